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

    private ContentHasher(byte[]? key) => _key = key;

    public static ContentHasher Plain { get; } = new(null);

    public static ContentHasher Keyed(byte[] key) => new(key);

    public bool IsKeyed => _key is not null;

    public BlockId Hash(ReadOnlySpan<byte> content)
    {
        if (_key is null) return BlockId.Hash(content);
        Span<byte> digest = stackalloc byte[BlockId.Size];
        HMACSHA256.HashData(_key, content, digest);
        return BlockId.Read(digest);
    }
}
