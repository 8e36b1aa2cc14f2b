using System.Security.Cryptography;
using Dedup.Core;
using Dedup.Crypto;
using Dedup.Indexing;
using Dedup.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Dedup.Tests.Indexing;

/// <summary>The block index answers exactly what its catalog holds, whatever happened to its runs: packs added or
/// removed behind its back, runs damaged or deleted, a manifest from another catalog.</summary>
public class BlockIndexTests : IDisposable
{
    private readonly Sandbox _sandbox = new();
    private string Dir => _sandbox.Path("index");
    private string Temp => _sandbox.Path("tmp");

    public void Dispose() => _sandbox.Dispose();

    /// <summary>A catalog in memory: packs and their entries, and a state that changes with every pack change.</summary>
    private sealed class MemorySource : IIndexSource
    {
        public readonly Dictionary<BlockId, List<(BlockId Block, BlockLocation Location)>> Packs = [];
        public string Instance = Guid.NewGuid().ToString("N");
        public long Generation;

        public PackState? PackState() => new(Instance, Generation);
        public IReadOnlyList<BlockId> PackIds() => Packs.Keys.ToList();
        public IEnumerable<KeyValuePair<BlockId, BlockLocation>> Blocks(IEnumerable<BlockId>? packs) =>
            (packs ?? Packs.Keys).Where(Packs.ContainsKey).SelectMany(p => Packs[p]).Select(e => KeyValuePair.Create(e.Block, e.Location));

        public List<(BlockId Block, BlockLocation Location)> AddPack(int blocks)
        {
            var pack = RandomId();
            var entries = Enumerable.Range(0, blocks).Select(i => (RandomId(), new BlockLocation(pack, i * 1000L, 900 + i, 2000 + i, (Codec)(i % 2)))).ToList();
            Packs[pack] = entries;
            Generation++;
            return entries;
        }

        public BlockId RemovePack(BlockId pack) { Packs.Remove(pack); Generation++; return pack; }

        public IEnumerable<(BlockId Block, BlockLocation Location)> All => Packs.Values.SelectMany(e => e);
    }

    private static BlockId RandomId() => BlockId.Read(RandomNumberGenerator.GetBytes(32));

    private BlockIndex Open(MemorySource source, IBlobSealer? sealer = null, bool writable = true) =>
        BlockIndex.Open(Dir, Temp, sealer ?? new AesGcmSealer(RandomKey), source, writable);

    private static readonly byte[] RandomKey = RandomNumberGenerator.GetBytes(32);

    private static void AssertExactly(BlockIndex index, MemorySource source)
    {
        foreach (var (block, location) in source.All)
        {
            Assert.True(index.TryLocate(block, out var found), $"block {block.ToShortString()} not found");
            Assert.Equal(location, found);
        }
        for (int i = 0; i < 200; i++) Assert.False(index.TryLocate(RandomId(), out _));
        Assert.Equal(source.All.OrderBy(e => e.Block).Select(e => KeyValuePair.Create(e.Block, e.Location)), index.Entries());
    }

    [Fact]
    public void Any_set_of_packs_is_found_exactly_after_being_saved_as_runs_and_opened_again() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, 300).ListOf().Select(l => l.ToList())), (List<int> packSizes) =>
        {
            using var sandbox = new Sandbox();
            var source = new MemorySource();
            foreach (var size in packSizes) source.AddPack(size);
            foreach (var sealer in new IBlobSealer[] { PlainSealer.Instance, new AesGcmSealer(RandomKey) })
            {
                string dir = sandbox.Path("index-" + sealer.Scheme);
                using (var index = BlockIndex.Open(dir, sandbox.Path("tmp"), sealer, source, writable: true)) AssertExactly(index, source);
                using (var reopened = BlockIndex.Open(dir, sandbox.Path("tmp"), sealer, source, writable: false))
                {
                    Assert.Equal(0, reopened.OverlayCount); // everything came from the runs
                    AssertExactly(reopened, source);
                }
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(25));

    [Fact]
    public void Packs_added_and_removed_behind_the_index_are_caught_up_and_masked()
    {
        var source = new MemorySource();
        for (int i = 0; i < 5; i++) source.AddPack(100);
        using (Open(source)) { }
        // Another (older) dedup adds and prunes packs without touching index/.
        source.AddPack(70);
        var gone = source.RemovePack(source.Packs.Keys.First());
        using (var index = Open(source, writable: false))
        {
            AssertExactly(index, source);
            Assert.Equal(70, index.OverlayCount);
        }
        using (var index = Open(source)) AssertExactly(index, source); // a writer saves the catch-up and merges away the removed pack
        using (var index = Open(source, writable: false))
        {
            Assert.Equal(0, index.OverlayCount);
            Assert.Equal(1, index.RunCount);
            AssertExactly(index, source);
        }
    }

    [Fact]
    public void Changes_told_to_the_index_keep_it_current_and_a_removed_pack_is_gone_at_once()
    {
        var source = new MemorySource();
        source.AddPack(50);
        using (var index = Open(source))
        {
            var added = source.AddPack(30);
            index.Add(added);
            Assert.True(index.TryLocate(added[0].Block, out _));
            var first = source.Packs.Keys.First();
            var firstBlock = source.Packs[first][0].Block;
            index.Remove([source.RemovePack(first)]);
            Assert.False(index.TryLocate(firstBlock, out _));
            index.Persist();
        }
        using (var index = Open(source, writable: false))
        {
            Assert.Equal(0, index.OverlayCount); // the manifest's state matched: no catch-up needed
            AssertExactly(index, source);
        }
    }

    [Fact]
    public void A_pack_removed_and_written_again_with_the_same_id_stays_found()
    {
        var source = new MemorySource();
        source.AddPack(30);
        var pack = source.Packs.Keys.First();
        var entries = source.Packs[pack];
        using (Open(source)) { }
        using (var index = Open(source))
        {
            index.Remove([source.RemovePack(pack)]);
            source.Packs[pack] = entries; // the same bytes packed again: the same pack id
            source.Generation++;
            index.Add(entries);
            index.Persist();
            AssertExactly(index, source);
        }
        using (var index = Open(source, writable: false))
        {
            Assert.Equal(0, index.OverlayCount);
            AssertExactly(index, source);
        }
    }

    [Fact]
    public void A_change_the_index_was_not_told_of_makes_the_next_open_catch_up()
    {
        var source = new MemorySource();
        source.AddPack(40);
        using (var index = Open(source))
        {
            // Removed from the catalog by a path that did not tell the index: its state must not be trusted.
            source.RemovePack(source.Packs.Keys.First());
            source.AddPack(10);
            index.Persist();
        }
        using (var index = Open(source, writable: false)) AssertExactly(index, source);
    }

    [Fact]
    public void Damaged_truncated_or_deleted_runs_cost_a_rebuild_never_a_wrong_answer()
    {
        var source = new MemorySource();
        for (int i = 0; i < 4; i++) source.AddPack(200);
        var random = new Random(5);
        for (int trial = 0; trial < 30; trial++)
        {
            using (Open(source)) { }
            var runs = Directory.GetFiles(Dir, "*.run");
            string victim = runs[random.Next(runs.Length)];
            var bytes = File.ReadAllBytes(victim);
            switch (trial % 3)
            {
                case 0: bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8)); File.WriteAllBytes(victim, bytes); break;
                case 1: File.WriteAllBytes(victim, bytes[..random.Next(bytes.Length)]); break;
                default: File.Delete(random.Next(2) == 0 ? victim : Path.Combine(Dir, "manifest")); break;
            }
            // A flip inside a page is found only when that page is read; the run is then replaced by the catalog's
            // entries, so every lookup still answers right.
            using (var index = Open(source, writable: false))
                foreach (var (block, location) in source.All)
                    Assert.True(index.TryLocate(block, out var at) && at == location, $"trial {trial}: {block.ToShortString()}");
            using (var index = Open(source)) AssertExactly(index, source);
            Directory.Delete(Dir, recursive: true);
        }
    }

    [Fact]
    public void A_manifest_from_another_catalog_is_not_trusted()
    {
        var source = new MemorySource();
        source.AddPack(60);
        using (Open(source)) { }
        var rebuilt = new MemorySource { Generation = source.Generation }; // same generation, another instance
        rebuilt.AddPack(20);
        rebuilt.Generation = source.Generation;
        using var index = Open(rebuilt, writable: false);
        AssertExactly(index, rebuilt);
    }
}
