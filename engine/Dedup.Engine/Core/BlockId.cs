using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Dedup.Core;

/// <summary>A 32-byte content address: of a block (its plaintext), a tree, or a pack file.</summary>
public readonly struct BlockId : IEquatable<BlockId>, IComparable<BlockId>
{
    public const int Size = 32;

    // Four words instead of a byte array: no allocation, cheap equality and hashing on the dedup hot path.
    private readonly ulong _a, _b, _c, _d;

    private BlockId(ulong a, ulong b, ulong c, ulong d) { _a = a; _b = b; _c = c; _d = d; }

    public static BlockId Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size) throw new ArgumentException("an id needs 32 bytes", nameof(source));
        return new BlockId(
            BinaryPrimitives.ReadUInt64BigEndian(source),
            BinaryPrimitives.ReadUInt64BigEndian(source[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[24..]));
    }

    /// <summary>SHA-256 of <paramref name="content"/>; see docs/adr/0002-block-hash.md for why SHA-256.</summary>
    public static BlockId Hash(ReadOnlySpan<byte> content)
    {
        Span<byte> digest = stackalloc byte[Size];
        SHA256.HashData(content, digest);
        return Read(digest);
    }

    /// <summary>Bytes 8·i to 8·i+7 as a big-endian number (i = 0..3): the id is a hash, so each word is uniformly
    /// distributed, and word 0 orders as the id does. The block index's fence and filter use them.</summary>
    public ulong Word(int i) => i switch { 0 => _a, 1 => _b, 2 => _c, 3 => _d, _ => throw new ArgumentOutOfRangeException(nameof(i)) };

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    public static BlockId Parse(string hex)
    {
        if (hex.Length != Size * 2) throw new FormatException($"an id is 64 hex digits, got '{hex}'");
        return Read(Convert.FromHexString(hex));
    }

    public static bool TryParse(string? hex, out BlockId id)
    {
        id = default;
        if (hex is null || hex.Length != Size * 2) return false;
        try { id = Parse(hex); return true; }
        catch (FormatException) { return false; }
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    public string ToShortString() => ToString()[..8];

    public bool Equals(BlockId other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;
    public override bool Equals(object? obj) => obj is BlockId other && Equals(other);
    public override int GetHashCode() => (int)(_a ^ (_a >> 32));
    public int CompareTo(BlockId other)
    {
        int c = _a.CompareTo(other._a);
        if (c != 0) return c;
        c = _b.CompareTo(other._b);
        if (c != 0) return c;
        c = _c.CompareTo(other._c);
        return c != 0 ? c : _d.CompareTo(other._d);
    }
    public static bool operator ==(BlockId left, BlockId right) => left.Equals(right);
    public static bool operator !=(BlockId left, BlockId right) => !left.Equals(right);
}
