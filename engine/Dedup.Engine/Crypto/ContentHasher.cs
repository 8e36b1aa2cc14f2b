using System.Security.Cryptography;
using Dedup.Core;

namespace Dedup.Crypto;

/// <summary>
/// Names content: SHA-256 in a plaintext repository, HMAC-SHA256 under the repository's id key in an encrypted
/// one, so the same file gets different ids in two repositories and nobody without the key can test whether a
/// repository holds a known file. Thread safe.
/// </summary>
public sealed class ContentHasher
{
    private readonly byte[]? _key;
    // One HMAC state per thread, reset after each use: HMACSHA256.HashData set the key up again for every block,
    // which was a third of the hashing time of 16 KiB blocks.
    private readonly ThreadLocal<IncrementalHash>? _hmac;

    private ContentHasher(byte[]? key)
    {
        _key = key;
        if (key is not null) _hmac = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key));
    }

    public static ContentHasher Plain { get; } = new(null);

    public static ContentHasher Keyed(byte[] key) => new(key);

    public bool IsKeyed => _key is not null;

    public BlockId Hash(ReadOnlySpan<byte> content)
    {
        if (_key is null) return BlockId.Hash(content);
        Span<byte> digest = stackalloc byte[BlockId.Size];
        var hmac = _hmac!.Value!;
        hmac.AppendData(content);
        hmac.GetHashAndReset(digest);
        return BlockId.Read(digest);
    }
}
