using Dedup.Core;
using Dedup.Tests.Support;

namespace Dedup.Tests.Indexing;

/// <summary>ADR 0010: the catalog keeps no block list for a pack written locally; its trailer is the list.</summary>
public class PackListsInTrailersTests
{
    [Fact]
    public void The_catalog_lists_no_local_packs_blocks_and_the_index_rebuilds_from_the_trailers()
    {
        using var sandbox = new Sandbox();
        string repo = TestRepository.Create(sandbox);
        string source = sandbox.Path("src");
        Directory.CreateDirectory(source);
        for (int f = 0; f < 40; f++) File.WriteAllText(Path.Combine(source, $"f{f}.txt"), $"file {f} " + new string('x', f * 500));
        var snapshot = TestRepository.Backup(repo, [source]);

        HashSet<(BlockId, BlockLocation)> indexed;
        using (var repository = TestRepository.Open(repo))
        {
            var packs = repository.Catalog.Packs();
            Assert.NotEmpty(packs);
            Assert.All(packs, p => Assert.Null(repository.Catalog.OwnList(p.Pack)));
            // What the catalog answers for the packs' blocks is what their trailers hold.
            var listed = repository.Catalog.Blocks().Select(kv => (kv.Key, kv.Value)).ToHashSet();
            var trailers = packs.SelectMany(p => repository.Packs.ReadEntries(p.Pack, repository.Protection.Sealer)
                .Select(e => (e.Block, new BlockLocation(p.Pack, e.Offset, e.StoredLength, e.RawLength, e.Codec)))).ToHashSet();
            Assert.Equal(trailers, listed);
            indexed = repository.IndexEntries().Select(kv => (kv.Key, kv.Value)).ToHashSet();
            Assert.Equal(trailers, indexed);
        }

        // Without its runs the index is built again, from the trailers alone.
        Directory.Delete(Path.Combine(repo, "index"), recursive: true);
        using (var repository = TestRepository.Open(repo))
        {
            Assert.Equal(indexed, repository.IndexEntries().Select(kv => (kv.Key, kv.Value)).ToHashSet());
            Assert.True(Dedup.Check.Checker.Run(repository, readData: true).Ok);
        }
        string target = sandbox.Path("restored");
        TestRepository.Restore(repo, snapshot, target);
        foreach (var file in Directory.GetFiles(source))
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(target + file));
    }
}
