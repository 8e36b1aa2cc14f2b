namespace Dedup.Packs;

/// <summary>
/// The zstd level groups are compressed at, learned from the data as it comes (issue: pick the level by measured
/// cost per byte saved). zstd's greedy search (level 4 at group sizes) takes about twice the time of level 3; on some
/// databases it saves 6–7 % of the repository, on others 1 %, which is not worth doubling a backup's largest cost.
/// Every <see cref="ProbeEvery"/>th group is compressed at both levels and keeps the smaller result; the groups after
/// it use the strong level only if it saved at least <see cref="StrongSavesAtLeast"/>. Thread safe: one per pack
/// assembler, whose workers encode its groups side by side. The frame does not record the level: readers do not care.
/// </summary>
public sealed class GroupCompression
{
    public const int Fast = 3, Strong = 4;
    public const int ProbeEvery = 32;
    public const double StrongSavesAtLeast = 0.03;

    private int _level = Strong;
    private int _groups = -1;

    /// <summary>The level a group that is not probed is compressed at.</summary>
    public int Level => Volatile.Read(ref _level);

    /// <summary>True for the group that is compressed both ways (the first, then one in <see cref="ProbeEvery"/>).</summary>
    public bool NextIsProbe() => Interlocked.Increment(ref _groups) % ProbeEvery == 0;

    /// <summary>Records what a probe found: the stored lengths at the fast and the strong level.</summary>
    public void Learn(int fastLength, int strongLength) =>
        Volatile.Write(ref _level, strongLength <= fastLength * (1 - StrongSavesAtLeast) ? Strong : Fast);
}
