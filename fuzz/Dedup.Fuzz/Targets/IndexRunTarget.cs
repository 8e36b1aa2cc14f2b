using Dedup.Core;
using Dedup.Crypto;
using Dedup.Indexing;

namespace Dedup.Fuzz.Targets;

/// <summary>
/// A block index run comes from disk, where anything may have happened to it: opened through the block index as a
/// command opens it, any input is either dropped (its packs then come from the catalog) or answers lookups, and a
/// lookup never throws. Only a full enumeration may raise CorruptDataException for a damaged page.
/// </summary>
public static class IndexRunTarget
{
    private static readonly string Directory = Path.Combine(Path.GetTempPath(), $"dedup-fuzz-index-{Environment.ProcessId}");
    private const string RunName = "0123456789abcdef0123456789abcdef";

    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllBytes(Path.Combine(Directory, RunName + ".run"), data.ToArray());
        File.WriteAllText(Path.Combine(Directory, "manifest"), $$"""{"version":1,"runs":["{{RunName}}"],"pack_state":null}""");
        using var index = BlockIndex.Open(Directory, Directory + "-tmp", PlainSealer.Instance, NoPacks.Instance, writable: false);
        // Ids taken from where entries lie in a run (the first of each page), so lookups reach the pages.
        for (long offset = 4096 + 2; offset + BlockId.Size <= data.Length; offset += 4096)
            index.TryLocate(BlockId.Read(data.Slice((int)offset, BlockId.Size)), out _);
        index.TryLocate(default, out _);
        try { foreach (var _ in index.Entries()) { } }
        catch (CorruptDataException) { }
    }

    /// <summary>Writes valid runs of a few sizes (plaintext, so mutations reach the entries) as seeds.</summary>
    public static void WriteSeeds(string corpus)
    {
        System.IO.Directory.CreateDirectory(corpus);
        var rng = new Random(2026);
        foreach (int count in new[] { 0, 1, RunFormat.EntriesPerPage, RunFormat.EntriesPerPage + 1, 200 }) // empty, one, a page's edge, several pages
        {
            var pack = BlockId.Hash(BitConverter.GetBytes(count));
            var entries = Enumerable.Range(0, count)
                .Select(i => KeyValuePair.Create(BlockId.Hash(BitConverter.GetBytes(rng.Next())), new BlockLocation(pack, i * 100L, 90, 120, Codec.Zstd)))
                .OrderBy(e => e.Key).ToList();
            string dir = Path.Combine(Path.GetTempPath(), $"dedup-index-seed-{Environment.ProcessId}");
            string name = IndexRunWriter.Write(dir, dir, PlainSealer.Instance, entries, Math.Max(1, count));
            File.Move(Path.Combine(dir, name + ".run"), Path.Combine(corpus, $"run-{count}-entries"), overwrite: true);
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class NoPacks : IIndexSource
    {
        public static readonly NoPacks Instance = new();
        public PackState? PackState() => null;
        public IReadOnlyList<BlockId> PackIds() => [];
        public IEnumerable<KeyValuePair<BlockId, BlockLocation>> Blocks(IEnumerable<BlockId>? packs) => [];
    }
}
