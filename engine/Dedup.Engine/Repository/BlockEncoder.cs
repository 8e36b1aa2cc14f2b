using Dedup.Core;
using Dedup.Crypto;
using Dedup.Packs;

namespace Dedup.Repository;

/// <summary>One pack worker's buffers for compressing and sealing a block at a time. Not thread safe.</summary>
internal sealed class BlockEncoder(IBlobSealer sealer)
{
    private readonly byte[] _aad = new byte[BlockId.Size];
    private byte[] _encoded = [], _sealed = [];

    /// <summary>The block as it goes into a pack: compressed (when that helps, at the level <paramref name="compression"/>
    /// learned, or the default) and sealed bound to its id, so a blob moved under another id fails authentication.
    /// The bytes are valid until the next call.</summary>
    public (Codec Codec, ReadOnlyMemory<byte> Stored) Encode(BlockId id, ReadOnlySpan<byte> block, CompressionLearner? compression)
    {
        if (_encoded.Length < block.Length) _encoded = new byte[Math.Max(block.Length, 1024 * 1024)];
        if (_sealed.Length < block.Length + sealer.Overhead) _sealed = new byte[_encoded.Length + sealer.Overhead];
        var (codec, encodedLength) = compression?.Encode(block, _encoded) ?? BlockCodec.Encode(block, _encoded);
        id.WriteTo(_aad);
        int storedLength = sealer.Seal(_aad, _encoded.AsSpan(0, encodedLength), _sealed);
        return (codec, _sealed.AsMemory(0, storedLength));
    }

    /// <summary>A group of small blocks as it goes into a pack (ADR 0011): table and payload compressed and sealed as one.</summary>
    public ReadOnlyMemory<byte> EncodeGroup(IReadOnlyList<(BlockId Id, int Length)> members, ReadOnlySpan<byte> payload, CompressionLearner compression)
    {
        int max = BlockGroup.MaxEncodedLength(members.Count, payload.Length);
        if (_encoded.Length < max) _encoded = new byte[Math.Max(max, 1024 * 1024)];
        if (_sealed.Length < max + sealer.Overhead) _sealed = new byte[_encoded.Length + sealer.Overhead];
        int encodedLength = BlockGroup.Encode(members, payload, _encoded, compression);
        int storedLength = sealer.Seal(BlockGroup.AssociatedData, _encoded.AsSpan(0, encodedLength), _sealed);
        return _sealed.AsMemory(0, storedLength);
    }
}
