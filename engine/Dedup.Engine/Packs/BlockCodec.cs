using Dedup.Core;
using Dedup.Native;

namespace Dedup.Packs;

/// <summary>Compresses a block with zstd, or keeps it raw when compression saves too little to pay for decompressing it.</summary>
public static class BlockCodec
{
    public const int Level = 3;

    /// <summary>A block must shrink by at least 1/16 to be stored compressed.</summary>
    private const int MinimumSavingShift = 4;

    /// <summary>Blocks larger than this are first probed: their first <see cref="ProbeSize"/> bytes are compressed
    /// at the fastest level, and a probe that does not shrink means the block is stored raw without a full attempt
    /// (media, archives and already-compressed files cost a fraction of a full compression).</summary>
    private const int ProbeSize = 16 * 1024;

    public static bool UsesNativeZstd => LibZstd.IsAvailable;

    /// <summary>Encodes <paramref name="raw"/> into <paramref name="destination"/> (which must hold raw.Length bytes)
    /// and returns the codec used and the stored length.</summary>
    public static (Codec Codec, int Length) Encode(ReadOnlySpan<byte> raw, Span<byte> destination, int level = Level)
    {
        int budget = raw.Length - (raw.Length >> MinimumSavingShift);
        if (raw.Length >= 64 && budget > 0 && (raw.Length <= ProbeSize * 4 || ProbeShrinks(raw[..ProbeSize], destination)))
        {
            int n = Compress(raw, destination[..budget], level);
            if (n > 0) return (Codec.Zstd, n);
        }
        raw.CopyTo(destination);
        return (Codec.Raw, raw.Length);
    }

    private static bool ProbeShrinks(ReadOnlySpan<byte> probe, Span<byte> scratch)
    {
        int budget = probe.Length - (probe.Length >> 5);
        return Compress(probe, scratch[..budget], level: 1) > 0;
    }

    private static int Compress(ReadOnlySpan<byte> raw, Span<byte> destination, int level)
    {
        if (LibZstd.IsAvailable) return LibZstd.Compress(raw, destination, level);
        using var compressor = new ZstdSharp.Compressor(level);
        return compressor.TryWrap(raw, destination, out int written) ? written : -1;
    }

    /// <summary>Decodes a blob's bytes (codec 0 or 1; a group is decoded by <see cref="BlockGroup"/>) into <paramref name="destination"/> of exactly the raw length.</summary>
    public static void Decode(Codec codec, ReadOnlySpan<byte> stored, Span<byte> destination)
    {
        switch (codec)
        {
            case Codec.Raw:
                if (stored.Length != destination.Length) throw new CorruptDataException("raw block length mismatch");
                stored.CopyTo(destination);
                return;
            case Codec.Zstd:
                int n;
                if (LibZstd.IsAvailable) n = LibZstd.Decompress(stored, destination);
                else
                {
                    using var decompressor = new ZstdSharp.Decompressor();
                    try { n = decompressor.TryUnwrap(stored, destination, out int written) ? written : -1; }
                    catch (ZstdSharp.ZstdException) { n = -1; }
                }
                if (n != destination.Length) throw new CorruptDataException("zstd frame does not decode to the recorded length");
                return;
            default:
                throw new CorruptDataException($"unknown codec {(byte)codec}");
        }
    }
}
