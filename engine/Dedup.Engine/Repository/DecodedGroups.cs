using Dedup.Core;
using Dedup.Packs;

namespace Dedup.Repository;

/// <summary>
/// The groups (ADR 0011) each thread decoded last, most recent first. A restore reads a file's blocks in order, and
/// after a day of changes they alternate between the groups of the first backup and the day's: a few slots keep
/// each group decoded once instead of once per member. A member taken from here is still re-hashed by its reader.
/// Pack ids name content, so a (pack, offset) pair always denotes the same group.
/// </summary>
internal static class DecodedGroups
{
    private const int Slots = 4;

    [ThreadStatic] private static (BlockId Pack, long Offset, BlockGroup.Decoded Group)[]? t_slots;
    [ThreadStatic] private static int t_count;

    public static BlockGroup.Decoded? Find(BlockId pack, long offset)
    {
        var slots = t_slots;
        for (int i = 0; i < t_count; i++)
        {
            if (slots![i].Offset != offset || slots[i].Pack != pack) continue;
            var hit = slots[i];
            for (int j = i; j > 0; j--) slots[j] = slots[j - 1];
            slots[0] = hit;
            return hit.Group;
        }
        return null;
    }

    public static void Keep(BlockId pack, long offset, BlockGroup.Decoded group)
    {
        var slots = t_slots ??= new (BlockId, long, BlockGroup.Decoded)[Slots];
        int last = Math.Min(t_count, Slots - 1);
        for (int j = last; j > 0; j--) slots[j] = slots[j - 1];
        slots[0] = (pack, offset, group);
        t_count = Math.Min(t_count + 1, Slots);
    }
}
