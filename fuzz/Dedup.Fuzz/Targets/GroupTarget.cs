using Dedup.Core;
using Dedup.Packs;

namespace Dedup.Fuzz.Targets;

/// <summary>A group's plaintext (ADR 0011): any input either decodes into members inside its payload or raises CorruptDataException.</summary>
public static class GroupTarget
{
    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        try
        {
            var group = BlockGroup.Decode(data);
            long total = 0;
            foreach (var id in group.Members)
            {
                if (!group.TryGet(id, out var bytes)) throw new InvalidOperationException("a listed member is not found");
                total += bytes.Length;
            }
            if (group.Count < 2 || total > group.PayloadLength * (long)group.Count) throw new InvalidOperationException("members exceed the payload");
        }
        catch (CorruptDataException) { }
    }
}
