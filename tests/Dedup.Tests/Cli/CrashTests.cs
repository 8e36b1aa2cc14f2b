using System.Text.Json;
using Dedup.Tests.Support;

namespace Dedup.Tests.Cli;

/// <summary>kill -9 at random moments of a backup: the repository must stay checkable and every earlier snapshot intact.</summary>
public class CrashTests
{
    [Fact]
    public void A_backup_killed_at_random_moments_leaves_a_consistent_repository()
    {
        using var sandbox = new Sandbox();
        string source = sandbox.Path("data");
        Directory.CreateDirectory(source);
        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        File.WriteAllText(Path.Combine(source, "first.txt"), "the first snapshot");
        Assert.Equal(0, cli.Run("backup", source).ExitCode);
        string firstCopy = sandbox.Path("first-copy");
        Directory.CreateDirectory(firstCopy);
        File.Copy(Path.Combine(source, "first.txt"), Path.Combine(firstCopy, "first.txt"));

        // 100 MB of incompressible data: several 16 MiB packs, so kills land before, during and between packs.
        const long DataBytes = 100_000_000;
        var rng = new Random(99);
        for (int i = 0; i < 10; i++)
        {
            var bytes = new byte[10_000_000];
            rng.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(source, $"big-{i}.bin"), bytes);
        }

        // The last "kill" comes late enough for a slow machine to finish packs (or the whole backup) first.
        var delays = new[] { 200, 500, 900, 1400, 2000, 8000 };
        foreach (var delay in delays)
        {
            using (var process = cli.Start(null, "backup", source))
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(delay + rng.Next(100))) process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            var check = cli.Run("check", "--read-data");
            Assert.True(check.ExitCode == 0, $"after a kill at {delay} ms: {check}");
            var snapshots = JsonDocument.Parse(cli.Run("snapshots", "--json").Stdout).RootElement;
            string target = sandbox.Path($"restore-{delay}");
            var restore = cli.Run("restore", snapshots[0].GetProperty("id").GetString()!, "--target", target, "--verify");
            Assert.True(restore.ExitCode == 0, restore.ToString());
            Assert.Equal("the first snapshot", File.ReadAllText(target + source + "/first.txt"));
        }

        // A complete run afterwards reuses the packs the killed runs finished: it adds only what they did not.
        long finishedByKilledRuns = Directory.EnumerateFiles(sandbox.Path("repo", "packs"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(finishedByKilledRuns > 16_000_000, $"no killed run finished a pack ({finishedByKilledRuns} bytes in packs): the test did not exercise reuse");
        var final = cli.Run("backup", source, "--json");
        Assert.True(final.ExitCode == 0, final.ToString());
        var summary = final.LastJson;
        long added = summary.GetProperty("bytes_added").GetInt64();
        Assert.True(added <= DataBytes + 2_000_000 - finishedByKilledRuns, $"added {added} bytes although {finishedByKilledRuns} were already packed");
        Assert.Empty(Directory.EnumerateFiles(sandbox.Path("repo", "tmp")));
        Assert.Equal(0, cli.Run("check", "--read-data").ExitCode);
    }

    [Fact]
    public void A_prune_killed_at_random_moments_loses_nothing_and_the_next_one_finishes()
    {
        using var sandbox = new Sandbox();
        // Small packs (TestRepository) and every other file dropped: the prune repacks dozens of half-live packs.
        string repo = TestRepository.Create(sandbox);
        string source = sandbox.Path("data");
        Directory.CreateDirectory(source);
        var rng = new Random(11);
        for (int i = 0; i < 300; i++)
        {
            var bytes = new byte[50_000 + rng.Next(50_000)];
            rng.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(source, $"f{i:D3}.bin"), bytes);
        }
        var cli = new DedupCli(repo);
        Assert.Equal(0, cli.Run("backup", source).ExitCode);
        for (int i = 0; i < 300; i += 2) File.Delete(Path.Combine(source, $"f{i:D3}.bin"));
        Assert.Equal(0, cli.Run("backup", source).ExitCode);
        Assert.Equal(0, cli.Run("forget", "--keep-last", "1").ExitCode);

        // Kills land on observed progress, not on a clock (on a fast machine every prune after the first complete one
        // finished before its delay). Three land while new packs are being written (a repack run writes ~30, so
        // each of these is reached whatever the machine's speed, even when a kill lands several packs late); one is aimed at the deletes after the catalog
        // commit, which take milliseconds, so it lands there or the prune completes; the last one mops up.
        string packs = Path.Combine(repo, "packs");
        var moments = new (string Name, bool MustLand, Func<int, int, bool> Reached)[]
        {
            ("after 2 repacked packs", true, (written, deleted) => written >= 2),
            ("after 4 more repacked packs", true, (written, deleted) => written >= 4),
            ("after 6 more repacked packs", true, (written, deleted) => written >= 6),
            ("after the first old pack was deleted", false, (written, deleted) => deleted >= 1),
            ("after 2 repacked packs, if any remain", false, (written, deleted) => written >= 2),
        };
        var log = new List<string>();
        foreach (var (moment, (name, mustLand, reached)) in moments.Index())
        {
            var before = PackNames(packs);
            using (var process = cli.Start(null, "prune", "--repack-below", "0.9"))
            {
                // Its output is drained as it comes (a full pipe would stall it), and kept for the failure message.
                var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
                process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
                process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                process.StandardInput.Close();
                var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
                int written = 0, deleted = 0;
                while (!process.HasExited)
                {
                    var now = PackNames(packs);
                    (written, deleted) = (now.Count(p => !before.Contains(p)), before.Count(p => !now.Contains(p)));
                    if (reached(written, deleted))
                    {
                        // dedup starts no children: a plain kill, without walking /proc for a process tree first,
                        // lands within a pack or two of the moment (the prune writes packs faster than that walk).
                        process.Kill();
                        break;
                    }
                    if (DateTime.UtcNow > deadline)
                    {
                        process.Kill(entireProcessTree: true);
                        Assert.Fail($"prune neither reached the moment '{name}' nor exited in 2 minutes:\n{string.Join('\n', output)}");
                    }
                    Thread.Sleep(5);
                }
                process.WaitForExit();
                log.Add($"{name}: {written} packs written, {deleted} deleted of {before.Count}, exit {process.ExitCode}");
                bool landed = process.ExitCode == 128 + 9; // SIGKILL: it was still running
                if (!landed) Assert.True(process.ExitCode == 0, $"prune exited {process.ExitCode} before the kill {name}:\n{string.Join('\n', output)}");
                Assert.True(landed || !mustLand, $"the kill {name} did not land mid-run:\n{string.Join('\n', log)}");
            }
            var check = cli.Run("check", "--read-data");
            Assert.True(check.ExitCode == 0, $"after a kill {name}: {check}");
            string target = sandbox.Path($"restore-{moment}");
            var restore = cli.Run("restore", "latest", "--target", target, "--verify");
            Assert.True(restore.ExitCode == 0, restore.ToString());
            TreeAssert.Equal(source, target + source);
        }
        var final = cli.Run("prune", "--repack-below", "0.9", "--json");
        Assert.True(final.ExitCode == 0, final.ToString());
        var again = cli.Run("prune", "--repack-below", "0.9", "--json").LastJson;
        Assert.Equal(0, again.GetProperty("packs_deleted").GetInt32());
        Assert.Equal(0, again.GetProperty("trees_removed").GetInt32());
        Assert.Equal(0, cli.Run("check", "--read-data").ExitCode);
    }

    private static HashSet<string> PackNames(string packs) =>
        Directory.EnumerateFiles(packs, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToHashSet()!;
}
