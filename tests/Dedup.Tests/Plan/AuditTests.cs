using System.Text.Json;
using Dedup.Tests.Support;

namespace Dedup.Tests.Plan;

/// <summary>The audit log as `dedup audit` shows it: a run's steps in the order they ran, each at its own time.</summary>
public class AuditTests
{
    [Fact]
    public void A_runs_steps_are_listed_in_order_each_at_its_own_time_and_backups_name_their_snapshot()
    {
        using var sandbox = new Sandbox();
        string a = sandbox.Path("a"), b = sandbox.Path("b");
        new Mirror.RandomTreeWriter(a, seed: 1).Write(files: 3, bytesEach: 100_000);
        new Mirror.RandomTreeWriter(b, seed: 2).Write(files: 3, bytesEach: 100_000);
        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        string policy = sandbox.Path("dedup.toml");
        File.WriteAllText(policy, $"[[set]]\nname = \"a\"\npaths = [\"{a}\"]\ntier = \"critical\"\npre_backup = \"true\"\n" +
            $"[[set]]\nname = \"b\"\npaths = [\"{b}\"]\ntier = \"standard\"\n");
        // The 1st is a Sunday: every kind of step runs (pre-backup, backups, check, drills, forget, prune).
        var start = new DateTimeOffset(new DateTime(2026, 3, 1, 2, 0, 0, DateTimeKind.Local));
        var run = cli.Run("run", "--policy", policy, "--now", "2026-03-01T02:00", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var ran = run.LastJson.EnumerateArray().Select(r => r.GetProperty("action").GetString() + " " + r.GetProperty("set")).ToList();
        Assert.Equal(["pre-backup a", "backup a", "backup b", "check ", "drill a", "drill b", "forget ", "prune "], ran);

        var audit = cli.Run("audit", "--json").LastJson.EnumerateArray().ToList();
        Assert.Equal(ran, audit.Select(r => r.GetProperty("action").GetString() + " " + r.GetProperty("set")));
        var times = audit.Select(r => r.GetProperty("time").GetDateTimeOffset()).ToList();
        Assert.True(times[0] >= start, $"first step at {times[0]:O}, the run at {start:O}");
        for (int i = 1; i < times.Count; i++) Assert.True(times[i] > times[i - 1], $"step {i} at {times[i]:O}, step {i - 1} at {times[i - 1]:O}");

        var snapshots = JsonDocument.Parse(cli.Run("snapshots", "--json").Stdout).RootElement.EnumerateArray()
            .ToDictionary(s => s.GetProperty("tags")[0].GetString()!, s => s.GetProperty("id").GetString());
        foreach (var backup in audit.Where(r => r.GetProperty("action").GetString() == "backup"))
            Assert.Equal(snapshots["set:" + backup.GetProperty("set").GetString()], backup.GetProperty("snapshot").GetString());
        foreach (var drill in audit.Where(r => r.GetProperty("action").GetString() == "drill"))
            Assert.Equal(snapshots["set:" + drill.GetProperty("set").GetString()], drill.GetProperty("snapshot").GetString());

        // The text listing has the same order.
        var lines = cli.Run("audit").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ran.Select(r => r.Split(' ')[0]), lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]));
    }

    /// <summary>The log is also one file per record under audit/ (format 2): read from there beside a writer, brought
    /// back by a catalog rebuild, and written by the next writer for records that only the catalog has.</summary>
    [Fact]
    public void The_log_survives_a_lost_catalog_and_is_read_beside_a_writer()
    {
        using var sandbox = new Sandbox();
        string data = sandbox.Path("data"), repo = sandbox.Path("repo");
        new Mirror.RandomTreeWriter(data, seed: 4).Write(files: 2, bytesEach: 50_000);
        var cli = new DedupCli(repo);
        Assert.Equal(0, cli.Init().ExitCode);
        string policy = sandbox.Path("dedup.toml");
        File.WriteAllText(policy, $"[[set]]\nname = \"a\"\npaths = [\"{data}\"]\ntier = \"critical\"\n");
        Assert.Equal(0, cli.Run("run", "--policy", policy, "--now", "2026-03-01T02:00").ExitCode);
        string log = cli.Run("audit", "--json").Stdout;
        int records = JsonDocument.Parse(log).RootElement.GetArrayLength();
        Assert.True(records >= 4, log);
        Assert.Equal(records, Directory.GetFiles(Path.Combine(repo, "audit")).Length);

        using (Dedup.Repository.RepositoryLock.Acquire(new Dedup.Repository.RepositoryLayout(repo), "test writer", TimeSpan.Zero))
            Assert.Equal(log, cli.Run("audit", "--json").Stdout);

        File.Delete(Path.Combine(repo, "catalog.db"));
        Assert.Equal(0, cli.Run("repair", "--catalog").ExitCode);
        Assert.Equal(log, cli.Run("audit", "--json").Stdout);

        Directory.Delete(Path.Combine(repo, "audit"), recursive: true); // a repository from before audit/ existed
        Assert.Equal(0, cli.Run("backup", data, "-q").ExitCode);
        Assert.Equal(records, Directory.GetFiles(Path.Combine(repo, "audit")).Length);
        Assert.Equal(log, cli.Run("audit", "--json").Stdout);
    }
}
