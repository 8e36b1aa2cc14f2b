using System.Buffers.Binary;
using Dedup.Core;
using Dedup.Packs;

namespace Dedup.Snapshots;

/// <summary>
/// A tree as the catalog keeps it: its encoding as is (which starts with the tree version, 1 or 2), or the byte
/// <see cref="ZstdMarker"/>, the encoding's length (u32) and a zstd frame of it. Self-describing, so a catalog may hold both forms
/// (records imported from a mirror of an older repository stay as they were).
/// </summary>
public static class StoredTree
{
    public const byte ZstdMarker = 0x80;
    private const int MaxTreeBytes = 256 * 1024 * 1024;
    private const long MaxZstdRatio = 128 * 1024 / 4;

    public static byte[] Compress(byte[] tree)
    {
        var frame = new byte[tree.Length + 5];
        var (codec, length) = BlockCodec.Encode(tree, frame.AsSpan(5, tree.Length));
        if (codec != Codec.Zstd) return tree;
        frame[0] = ZstdMarker;
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(1), (uint)tree.Length);
        return frame[..(length + 5)];
    }

    public static byte[] Decompress(byte[] stored, BlockId id)
    {
        if (stored.Length == 0 || stored[0] != ZstdMarker) return stored;
        try
        {
            if (stored.Length < 5) throw new CorruptDataException("truncated");
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(stored.AsSpan(1));
            // Checked before allocating: a zstd frame decodes to at most 128 KiB per 4 bytes (an RLE block), so a
            // recorded size beyond that is damage, and a few damaged bytes cannot make a reader allocate 256 MiB.
            if (size > MaxTreeBytes || size > (long)(stored.Length - 5) * MaxZstdRatio) throw new CorruptDataException("impossible size");
            var tree = new byte[size];
            BlockCodec.Decode(Codec.Zstd, stored.AsSpan(5), tree);
            return tree;
        }
        catch (CorruptDataException e) { throw new CorruptDataException($"catalog tree {id.ToShortString()} is damaged ({e.Message})", e); }
    }
}
