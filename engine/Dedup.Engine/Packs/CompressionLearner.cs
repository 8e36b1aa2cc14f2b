using Dedup.Core;

namespace Dedup.Packs;

/// <summary>
/// The zstd level blobs are compressed at, learned from the data as it comes (issue: pick the level by measured cost
/// per byte saved). No level wins everywhere: on 256 KiB frames of a contacts database level 2 is smaller than level 3
/// and faster; on text level 1 beats 2 and 3; on a nearly incompressible events database level 3 takes twice level
/// 1's time for the same size; level 4 saves 3–7 % on some data at three times level 1's time. So the first blob,
/// and then one in <see cref="ProbeEvery"/>, is compressed at every level in <see cref="Costs"/> and keeps the
/// smallest frame, and the blobs after it use the level whose length, weighed with its cost, was least: each extra
/// level-1 compression's worth of time must buy <see cref="CostWeight"/> of the stored size. Thread safe: one per pack
/// assembler, whose workers encode side by side. A frame does not record its level: readers do not care.
/// </summary>
public sealed class CompressionLearner(IReadOnlyList<(int Level, double Cost)> costs)
{
    /// <summary>zstd 1.5's compression time per level relative to level 1's, at the sizes of a group (up to 256 KiB,
    /// where level 4 is a greedy search) and of a lone block (larger frames, where level 4 costs about level 3's).
    /// Measured with `zstd -b1 -e4 -B262144` and `-B1048576` on data set b's databases and text.</summary>
    public static readonly IReadOnlyList<(int Level, double Cost)> GroupCosts = [(1, 1.0), (2, 1.25), (3, 1.5), (4, 3.0)];
    public static readonly IReadOnlyList<(int Level, double Cost)> BlockCosts = [(1, 1.0), (2, 1.15), (3, 1.5), (4, 1.7)];

    /// <summary>A probe costs about seven level-1 compressions: one blob in 128 keeps that near 5 % of the work.</summary>
    public const int ProbeEvery = 128;
    public const double CostWeight = 0.03;

    private int _level = BlockCodec.Level;
    private int _untilProbe;

    public IReadOnlyList<(int Level, double Cost)> Costs { get; } = costs;

    /// <summary>The level a blob that is not probed is compressed at.</summary>
    public int Level => Volatile.Read(ref _level);

    /// <summary>Compresses <paramref name="raw"/> like <see cref="BlockCodec.Encode"/>, at the learned level, or at
    /// every level when its turn to be probed has come (keeping the smallest).</summary>
    public (Codec Codec, int Length) Encode(ReadOnlySpan<byte> raw, Span<byte> destination) =>
        NextIsProbe() ? Probe(raw, destination) : BlockCodec.Encode(raw, destination, Level);

    /// <summary>True for the blob that is compressed at every level (the first, then one in <see cref="ProbeEvery"/>).</summary>
    public bool NextIsProbe()
    {
        if (Interlocked.Decrement(ref _untilProbe) >= 0) return false;
        Volatile.Write(ref _untilProbe, ProbeEvery - 1);
        return true;
    }

    /// <summary>Records what a probe found: the stored length at each level of <see cref="Costs"/>, in order.</summary>
    public void Learn(ReadOnlySpan<int> lengths)
    {
        int best = 0;
        double bestScore = double.MaxValue;
        for (int i = 0; i < lengths.Length; i++)
        {
            double score = lengths[i] * (1 + CostWeight * (Costs[i].Cost - 1));
            if (score < bestScore) (best, bestScore) = (i, score);
        }
        Volatile.Write(ref _level, Costs[best].Level);
    }

    private (Codec, int) Probe(ReadOnlySpan<byte> raw, Span<byte> destination)
    {
        var kept = BlockCodec.Encode(raw, destination, Costs[0].Level);
        Span<int> lengths = stackalloc int[Costs.Count];
        lengths[0] = kept.Length;
        byte[] scratch = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(raw.Length, 1));
        try
        {
            for (int i = 1; i < Costs.Count; i++)
            {
                var frame = BlockCodec.Encode(raw, scratch, Costs[i].Level);
                lengths[i] = frame.Length;
                if (frame.Length >= kept.Length) continue;
                scratch.AsSpan(0, frame.Length).CopyTo(destination);
                kept = frame;
            }
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(scratch); }
        // Stored raw at every level (media, archives): says nothing about the levels; the next blob is probed instead.
        if (kept.Codec == Codec.Raw) Volatile.Write(ref _untilProbe, 0);
        else Learn(lengths);
        return kept;
    }
}
