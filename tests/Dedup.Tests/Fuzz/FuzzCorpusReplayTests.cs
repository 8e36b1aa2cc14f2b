using Dedup.Fuzz;

namespace Dedup.Tests.Fuzz;

/// <summary>Runs the fuzz targets over their seed corpus and deterministic mutations of it, so they cannot rot.</summary>
public class FuzzCorpusReplayTests
{
    private static string CorpusDirectory(string target)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dedup.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return Path.Combine(dir!.FullName, "fuzz", "Dedup.Fuzz", "corpus", target);
    }

    [Theory]
    [InlineData("pack")]
    [InlineData("pack-trailer")]
    [InlineData("tree")]
    [InlineData("segment")]
    [InlineData("snapshot")]
    [InlineData("index")]
    [InlineData("keys")]
    [InlineData("catalog")]
    [InlineData("group")]
    public void Seed_corpus_and_its_mutations_run_cleanly(string target)
    {
        string corpus = CorpusDirectory(target);
        Assert.True(FuzzTargets.Replay(target, corpus) >= 4);
        var fuzz = FuzzTargets.All[target];
        var rng = new Random(12345);
        foreach (var file in Directory.EnumerateFiles(corpus).Order(StringComparer.Ordinal))
        {
            var seed = File.ReadAllBytes(file);
            for (int i = 0; i < 2000; i++)
            {
                var input = (byte[])seed.Clone();
                int flips = rng.Next(1, 4);
                for (int f = 0; f < flips && input.Length > 0; f++) input[rng.Next(input.Length)] = (byte)rng.Next(256);
                if (rng.Next(4) == 0 && input.Length > 0) input = input[..rng.Next(input.Length)];
                fuzz(input);
            }
        }
    }
}
