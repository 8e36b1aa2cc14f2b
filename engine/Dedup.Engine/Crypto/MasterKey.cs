using System.Security.Cryptography;
using Dedup.Core;

namespace Dedup.Crypto;

/// <summary>
/// The repository's secret material, made once at init and never changed (so adding or changing a password
/// rewrites no data). Each key file wraps a copy under one password.
/// </summary>
public sealed class MasterKey
{
    private const byte Version = 1;
    private const int KeySize = 32;
    public const int SerializedSize = 1 + 4 * KeySize;

    private MasterKey(byte[] data, byte[] id, byte[] chunkerSeed, byte[] catalog) =>
        (DataKey, IdKey, ChunkerSeed, CatalogKey) = (data, id, chunkerSeed, catalog);

    /// <summary>Seals blobs and pack trailers (AES-256-GCM).</summary>
    public byte[] DataKey { get; }
    /// <summary>Keys block and tree ids (HMAC-SHA256).</summary>
    public byte[] IdKey { get; }
    /// <summary>Seeds the chunker's gear table.</summary>
    public byte[] ChunkerSeed { get; }
    /// <summary>Seals the catalog segments the mirror uploads (the local catalog's records are sealed with the data key).</summary>
    public byte[] CatalogKey { get; }

    public static MasterKey Generate() => new(
        RandomNumberGenerator.GetBytes(KeySize), RandomNumberGenerator.GetBytes(KeySize),
        RandomNumberGenerator.GetBytes(KeySize), RandomNumberGenerator.GetBytes(KeySize));

    public byte[] Serialize()
    {
        var bytes = new byte[SerializedSize];
        bytes[0] = Version;
        DataKey.CopyTo(bytes, 1);
        IdKey.CopyTo(bytes, 1 + KeySize);
        ChunkerSeed.CopyTo(bytes, 1 + 2 * KeySize);
        CatalogKey.CopyTo(bytes, 1 + 3 * KeySize);
        return bytes;
    }

    public static MasterKey Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != SerializedSize || bytes[0] != Version) throw new CorruptDataException("master key has an unknown layout");
        return new MasterKey(
            bytes.Slice(1, KeySize).ToArray(), bytes.Slice(1 + KeySize, KeySize).ToArray(),
            bytes.Slice(1 + 2 * KeySize, KeySize).ToArray(), bytes.Slice(1 + 3 * KeySize, KeySize).ToArray());
    }
}
