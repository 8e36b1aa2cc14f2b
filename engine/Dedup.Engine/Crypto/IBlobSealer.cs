namespace Dedup.Crypto;

/// <summary>How a pack protects its blobs and trailer: nothing (plaintext repositories) or an AEAD.</summary>
public interface IBlobSealer
{
    /// <summary>The pack header's scheme byte.</summary>
    byte Scheme { get; }

    /// <summary>Bytes a sealed message has beyond its plaintext.</summary>
    int Overhead { get; }

    /// <summary>Seals <paramref name="plaintext"/> bound to <paramref name="associatedData"/> into <paramref name="destination"/>
    /// (at least plaintext + <see cref="Overhead"/> bytes); returns the sealed length.</summary>
    int Seal(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> destination);

    /// <summary>Opens what <see cref="Seal"/> made into <paramref name="destination"/>; returns the plaintext length.
    /// Any change to the sealed bytes or the associated data raises <see cref="Core.CorruptDataException"/>.</summary>
    int Open(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> sealedBytes, Span<byte> destination);

    /// <summary>A record sealed into a new array (the plaintext itself when nothing is added): how catalog records are
    /// stored.</summary>
    byte[] SealRecord(ReadOnlySpan<byte> associatedData, byte[] plaintext)
    {
        if (Overhead == 0) return plaintext;
        var sealedBytes = new byte[plaintext.Length + Overhead];
        Seal(associatedData, plaintext, sealedBytes);
        return sealedBytes;
    }
}

public sealed class PlainSealer : IBlobSealer
{
    public static PlainSealer Instance { get; } = new();
    public byte Scheme => 0;
    public int Overhead => 0;

    public int Seal(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        plaintext.CopyTo(destination);
        return plaintext.Length;
    }

    public int Open(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> sealedBytes, Span<byte> destination)
    {
        sealedBytes.CopyTo(destination);
        return sealedBytes.Length;
    }
}
