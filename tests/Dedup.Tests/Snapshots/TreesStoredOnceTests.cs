using Dedup.Core;
using Dedup.Tests.Support;

namespace Dedup.Tests.Snapshots;

/// <summary>ADR 0009: a format-2 backup stores each tree once, as a blob in a pack; the catalog keeps none.</summary>
public class TreesStoredOnceTests
{
    [Fact]
    public void A_backup_writes_its_trees_as_blobs_and_none_into_the_catalog()
    {
        using var sandbox = new Sandbox();
        string repo = TestRepository.Create(sandbox);
        string source = sandbox.Path("src");
        for (int d = 0; d < 5; d++)
        {
            Directory.CreateDirectory(Path.Combine(source, $"d{d}"));
            for (int f = 0; f < 20; f++) File.WriteAllText(Path.Combine(source, $"d{d}", $"f{f}.txt"), $"file {d} {f}");
        }
        var first = TestRepository.Backup(repo, [source]);
        File.WriteAllText(Path.Combine(source, "d3", "f7.txt"), "changed");
        var second = TestRepository.Backup(repo, [source]);

        using var repository = TestRepository.Open(repo);
        Assert.Empty(repository.Catalog.TreeIds());
        var trees = repository.CreateTreeReader();
        HashSet<BlockId> TreesOf(BlockId root)
        {
            var seen = new HashSet<BlockId>();
            var pending = new Stack<BlockId>([root]);
            while (pending.Count > 0)
            {
                var id = pending.Pop();
                Assert.True(repository.TryLocate(id, out _), $"tree {id.ToShortString()} is not a blob");
                seen.Add(id);
                foreach (var node in trees.Load(id).Nodes)
                    if (node.Type == Dedup.Snapshots.NodeType.Directory) pending.Push(node.Subtree);
            }
            return seen;
        }
        // The second snapshot shares the four unchanged directories' trees with the first, and nothing else.
        var shared = TreesOf(first.Root);
        shared.IntersectWith(TreesOf(second.Root));
        Assert.Equal(4, shared.Count);
        Assert.True(Dedup.Check.Checker.Run(repository, readData: true).Ok);
    }
}
