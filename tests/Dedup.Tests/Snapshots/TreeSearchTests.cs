using Dedup.Snapshots;
using Dedup.Tests.Support;

namespace Dedup.Tests.Snapshots;

/// <summary>find's search remembers trees without a match across snapshots; it must still find what a full walk finds.</summary>
public class TreeSearchTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Searching_snapshots_in_turn_finds_what_walking_each_finds(int seed)
    {
        using var sandbox = new Sandbox();
        string repo = TestRepository.Create(sandbox, encrypted: false);
        string src = sandbox.Path("src");
        var rng = new Random(seed);
        string[] names = ["a.txt", "b.sql", "c.log", "notes", "x.sql"];
        for (int d = 0; d < 6; d++)
            for (int s = 0; s < 3; s++)
            {
                string dir = Path.Combine(src, $"d{d}", $"s{s}");
                Directory.CreateDirectory(dir);
                foreach (var name in names.Where(_ => rng.Next(2) == 0)) File.WriteAllText(Path.Combine(dir, name), $"{d} {s} {name}");
            }
        var snapshots = new List<Dedup.Snapshots.Snapshot>();
        for (int round = 0; round < 5; round++)
        {
            snapshots.Add(TestRepository.Backup(repo, [src]));
            // Some directories change (a file added, one removed), the others stay the same trees.
            for (int change = 0; change < 3; change++)
            {
                string dir = Path.Combine(src, $"d{rng.Next(6)}", $"s{rng.Next(3)}");
                string name = names[rng.Next(names.Length)];
                string file = Path.Combine(dir, name);
                if (File.Exists(file)) File.Delete(file);
                else File.WriteAllText(file, $"round {round}");
            }
        }

        using var repository = TestRepository.Open(repo);
        foreach (var pattern in new[] { ".sql", "a.txt", "s1", "nothing" })
        {
            bool Matches(string path, TreeNode node) => path.EndsWith(pattern, StringComparison.Ordinal);
            var trees = repository.CreateTreeReader();
            var search = new TreeSearch(trees, Matches);
            foreach (var snapshot in snapshots)
            {
                var walked = trees.Walk(snapshot.Root, "/").Where(e => Matches(e.Path, e.Node)).Select(e => e.Path).ToList();
                Assert.Equal(walked, search.In(snapshot.Root).Select(e => e.Path).ToList());
            }
        }
    }
}
