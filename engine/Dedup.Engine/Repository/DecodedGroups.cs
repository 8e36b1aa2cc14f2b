using Dedup.Core;
using Dedup.Packs;

namespace Dedup.Repository;

/// <summary>
/// The groups (ADR 0011) each thread decoded last, most recent first. A restore reads a file's blocks in order, and
/// after a day of changes they alternate between the groups of the first backup and the day's: a few slots keep
/// each group decoded once instead of once per member. A member taken from here is still re-hashed by its reader.
/// Pack ids name content, so a (pack, offset) pair always denotes the same group; but a slot is the opened
/// repository's that kept it, so a repository opened later in the same process (a test, a host running many commands)
/// reads and verifies what is on disk now, and sees damage done since.
/// </summary>
internal static class DecodedGroups
{
    private const int Slots = 4;

    [ThreadStatic] private static (int Owner, BlockId Pack, long Offset, BlockGroup.Decoded Group)[]? t_slots;
    [ThreadStatic] private static int t_count;
    // The buffer of the group last dropped: the next decode on this thread reuses it.
    [ThreadStatic] private static byte[]? t_spare;

    /// <summary>A buffer no kept group uses any more (null when there is none); the caller owns it.</summary>
    public static byte[]? TakeSpare()
    {
        var spare = t_spare;
        t_spare = null;
        return spare;
    }

    private static int s_lastOwner;

    /// <summary>A new owner's number: each opened repository takes one, and finds only the groups it kept.</summary>
    public static int NewOwner() => Interlocked.Increment(ref s_lastOwner);

    public static BlockGroup.Decoded? Find(int owner, BlockId pack, long offset)
    {
        var slots = t_slots;
        for (int i = 0; i < t_count; i++)
        {
            if (slots![i].Offset != offset || slots[i].Pack != pack || slots[i].Owner != owner) continue;
            var hit = slots[i];
            for (int j = i; j > 0; j--) slots[j] = slots[j - 1];
            slots[0] = hit;
            return hit.Group;
        }
        return null;
    }

    public static void Keep(int owner, BlockId pack, long offset, BlockGroup.Decoded group)
    {
        var slots = t_slots ??= new (int, BlockId, long, BlockGroup.Decoded)[Slots];
        // Readers use a group on the thread that found or kept it, before the next lookup: the one dropped here is done with.
        if (t_count == Slots && !ReferenceEquals(slots[Slots - 1].Group.Buffer, group.Buffer)) t_spare = slots[Slots - 1].Group.Buffer;
        int last = Math.Min(t_count, Slots - 1);
        for (int j = last; j > 0; j--) slots[j] = slots[j - 1];
        slots[0] = (owner, pack, offset, group);
        t_count = Math.Min(t_count + 1, Slots);
    }
}
