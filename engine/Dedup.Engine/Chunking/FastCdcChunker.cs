using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dedup.Chunking;

/// <summary>
/// Content-defined chunking after FastCDC (Xia et al., 2016/2020): a gear rolling hash, cut-point skipping
/// up to the minimum size, and normalized chunking (a stricter mask before the average size, a looser one
/// after it) so chunk sizes cluster around the average.
/// </summary>
public sealed class FastCdcChunker : IChunker
{
    private const int NormalizationLevel = 2;

    private readonly ulong[] _gear;
    private readonly int _min, _avg, _max;
    private readonly ulong _maskStrict, _maskLoose;

    public FastCdcChunker(ChunkerParameters parameters, ulong[] gear)
    {
        parameters.Validate();
        if (gear.Length != 256) throw new ArgumentException("the gear table has 256 entries", nameof(gear));
        _gear = gear;
        (_min, _avg, _max) = (parameters.MinSize, parameters.AverageSize, parameters.MaxSize);
        int bits = BitOperations.Log2((uint)_avg);
        // The gear hash shifts left, so its top bits depend on the most bytes (the last 64): the masks use them.
        _maskStrict = TopBits(bits + NormalizationLevel);
        _maskLoose = TopBits(bits - NormalizationLevel);
    }

    public int MaxSize => _max;

    private static ulong TopBits(int count) => count <= 0 ? 0 : ~0UL << (64 - count);

    public int NextCut(ReadOnlySpan<byte> data)
    {
        int length = data.Length;
        if (length <= _min) return length;
        int end = Math.Min(length, _max);
        int normal = Math.Min(_avg, end);

        ref ulong gear = ref MemoryMarshal.GetArrayDataReference(_gear);
        ref byte bytes = ref MemoryMarshal.GetReference(data);
        ulong hash = 0;
        int i = _min;
        for (; i < normal; i++)
        {
            hash = (hash << 1) + Unsafe.Add(ref gear, Unsafe.Add(ref bytes, i));
            if ((hash & _maskStrict) == 0) return i + 1;
        }
        for (; i < end; i++)
        {
            hash = (hash << 1) + Unsafe.Add(ref gear, Unsafe.Add(ref bytes, i));
            if ((hash & _maskLoose) == 0) return i + 1;
        }
        return end;
    }
}
