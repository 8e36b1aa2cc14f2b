using System.Text.Json;
using Dedup.Tests.Support;

namespace Dedup.Tests.Plan;

/// <summary>dedup.toml, run, status and audit as a user (or cron, or monitoring) drives them.</summary>
public class PlanCliTests
{
    private static string Policy(Sandbox sandbox, string body, string name = "dedup.toml")
    {
        string path = sandbox.Path(name);
        File.WriteAllText(path, body);
        return path;
    }

    [Theory]
    [InlineData("[[set]]\nname = \"db\"\npaths = [\"/srv\"]\ntier = \"urgent\"\n", "dedup.toml:4: set[0].tier: 'urgent' is not allowed (critical, standard, secondary)")]
    [InlineData("[schedule]\nmonthly_dya = 3\n", "dedup.toml:2: schedule.monthly_dya: unknown field (allowed: differential_day, weekly_day, monthly_day, sample_percent)")]
    [InlineData("[schedule]\nmonthly_day = 31\n[[set]]\nname = \"db\"\npaths = [\"/srv\"]\ntier = \"critical\"\n", "dedup.toml:2: schedule.monthly_day: 31 is out of range (allowed: 1 to 28)")]
    [InlineData("[[set]]\nname = \"db\"\npaths = [\"relative\"]\ntier = \"critical\"\n", "dedup.toml:3: set[0].paths: must be a non-empty list of absolute paths")]
    [InlineData("[objectives.critical]\nrpo = \"soon\"\n[[set]]\nname = \"db\"\npaths = [\"/srv\"]\ntier = \"critical\"\n", "dedup.toml:2: objectives.critical.rpo: 'soon' is not a duration (allowed: e.g. 30m, 4h, 7d)")]
    [InlineData("paths = [\n", "dedup.toml:2:")]
    [InlineData("on_eror = \"true\"\n[[set]]\nname = \"db\"\npaths = [\"/srv\"]\ntier = \"critical\"\n", "dedup.toml:1: on_eror: unknown field (allowed: repository, remote, host, before, after, on_error, ping_start, ping_success, ping_failure, schedule,")]
    [InlineData("[[set]]\nname = \"db\"\npaths = [\"/srv\"]\ntier = \"critical\"\nping_failure = \"hc-ping.com/abc/fail\"\n", "dedup.toml:5: set[0].ping_failure: 'hc-ping.com/abc/fail' is not a URL (allowed: http:// or https://)")]
    [InlineData("[[set]]\nname = \"db\"\npaths = [\"/srv\"]\ntier = \"critical\"\nbefore = \"true\"\npre_backup = \"true\"\n", "dedup.toml:6: set[0].pre_backup: is the older name of 'before': give one of them")]
    public void A_bad_policy_is_one_line_with_line_field_and_what_is_allowed(string body, string expected)
    {
        using var sandbox = new Sandbox();
        string policy = Policy(sandbox, body);
        var result = new DedupCli(sandbox.Path("repo")).Run("status", "--policy", policy);
        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.StderrLines);
        Assert.Contains(expected.Replace("dedup.toml", policy), result.Stderr);
    }

    [Fact]
    public void Status_fails_when_an_objective_does_not_hold_and_passes_when_all_do()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        string data = sandbox.Path("data");
        new Mirror.RandomTreeWriter(data, seed: 1).Write(files: 3, bytesEach: 2_000_000);
        string repo = sandbox.Path("repo");
        var cli = new DedupCli(repo);
        Assert.Equal(0, cli.Init().ExitCode);
        Assert.Equal(0, cli.Run("remote", "add", "offsite", "--endpoint", S3TestServer.Endpoint!, "--bucket", S3TestServer.NewBucketName(), "--create-bucket").ExitCode);
        string body = $"remote = \"offsite\"\n[[set]]\nname = \"contacts\"\npaths = [\"{data}\"]\ntier = \"critical\"\npre_backup = \"touch {data}/dumped\"\n";
        string policy = Policy(sandbox, body);
        string slow = Policy(sandbox, body + "[objectives.critical]\nrto = \"0s\"\n", "slow.toml");

        // Sunday the 1st: a full backup, pushed, everything read, a full restore drill.
        var run = cli.Run("run", "--policy", policy, "--now", "2026-03-01T02:00", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(Path.Combine(data, "dumped")));
        JsonElement Status(string at, string file = "")
        {
            var result = cli.Run("status", "--policy", file.Length > 0 ? file : policy, "--now", at, "--json");
            var json = result.LastJson;
            Assert.Equal(json.GetProperty("ok").GetBoolean() ? 0 : 1, result.ExitCode);
            return json.GetProperty("sets")[0];
        }
        var ok = Status("2026-03-01T02:30");
        Assert.True(ok.GetProperty("ok").GetBoolean(), ok.ToString());
        Assert.True(ok.GetProperty("copies_met").GetBoolean());

        var late = Status("2026-03-01T04:00"); // critical RPO is 1 h
        Assert.False(late.GetProperty("rpo_met").GetBoolean());
        Assert.Contains("RPO", late.GetProperty("problems")[0].GetString());

        var tooSlow = Status("2026-03-01T02:30", slow);
        Assert.False(tooSlow.GetProperty("rto_met").GetBoolean());
        Assert.Contains(tooSlow.GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains("RTO"));

        // Tuesday the 10th: a fresh backup, but the last drill is 9 days old.
        Assert.Equal(0, cli.Run("run", "--policy", policy, "--now", "2026-03-10T02:00").ExitCode);
        var noDrill = Status("2026-03-10T02:30");
        Assert.True(noDrill.GetProperty("rpo_met").GetBoolean());
        Assert.Contains(noDrill.GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains("last drill is 9 d old"));

        // The mirror falls behind: a snapshot of the set that was not pushed.
        Assert.Equal(0, cli.Run("verify", "latest").ExitCode); // a drill today, so only the mirror is wrong
        File.WriteAllText(Path.Combine(data, "new.txt"), "not pushed yet");
        Assert.Equal(0, cli.Run("backup", data, "--tag", "set:contacts").ExitCode);
        var behind = cli.Run("status", "--policy", policy, "--json");
        Assert.Equal(1, behind.ExitCode);
        Assert.Contains(behind.LastJson.GetProperty("sets")[0].GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains("not complete on the remote"));

        // While a run (here: any writer) has the repository, status still answers, from the repository's files
        // (ADR 0008): the same objectives, the audit log included.
        using (Dedup.Repository.RepositoryLock.Acquire(new Dedup.Repository.RepositoryLayout(repo), "dedup run", TimeSpan.Zero))
        {
            var beside = cli.Run("status", "--policy", policy, "--json");
            Assert.True(beside.ExitCode == 1, beside.ToString());
            Assert.Equal(behind.LastJson.GetProperty("sets")[0].GetProperty("problems").ToString(),
                beside.LastJson.GetProperty("sets")[0].GetProperty("problems").ToString());
        }

        var audit = cli.Run("audit", "--json", "--policy", policy);
        var actions = audit.LastJson.EnumerateArray().Select(r => r.GetProperty("action").GetString()).ToList();
        Assert.Contains("pre-backup", actions);
        Assert.Contains("push", actions);
        Assert.Contains("drill", actions);
    }

    [Fact]
    public void A_failing_set_does_not_stop_the_others_and_the_run_exits_non_zero()
    {
        using var sandbox = new Sandbox();
        string good = sandbox.Path("good"), broken = sandbox.Path("broken");
        Directory.CreateDirectory(good);
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(good, "a.txt"), "a");
        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        string policy = Policy(sandbox, $"[[set]]\nname = \"broken\"\npaths = [\"{broken}\"]\ntier = \"critical\"\npre_backup = \"echo dump failed >&2; exit 3\"\n" +
            $"[[set]]\nname = \"good\"\npaths = [\"{good}\"]\ntier = \"standard\"\n");
        var run = cli.Run("run", "--policy", policy, "--now", "2026-03-03T02:00", "--json");
        Assert.Equal(1, run.ExitCode);
        var records = JsonDocument.Parse(run.Stdout).RootElement.EnumerateArray().ToList();
        var pre = records.Single(r => r.GetProperty("action").GetString() == "pre-backup");
        Assert.False(pre.GetProperty("ok").GetBoolean());
        Assert.Contains("dump failed", pre.GetProperty("detail").GetString());
        Assert.DoesNotContain(records, r => r.GetProperty("action").GetString() == "backup" && r.GetProperty("set").GetString() == "broken");
        Assert.Contains(records, r => r.GetProperty("action").GetString() == "backup" && r.GetProperty("set").GetString() == "good" && r.GetProperty("ok").GetBoolean());
        Assert.Single(JsonDocument.Parse(cli.Run("snapshots", "--json").Stdout).RootElement.EnumerateArray());
    }

    [Fact]
    public void Restore_with_overwrite_first_snapshots_what_it_replaces()
    {
        using var sandbox = new Sandbox();
        string data = sandbox.Path("data");
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "config.yml"), "good: true\n");
        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        Assert.Equal(0, cli.Run("backup", data).ExitCode);
        File.WriteAllText(Path.Combine(data, "config.yml"), "broken by hand\n");

        var restore = cli.Run("restore", "latest", data + "/config.yml", "--target", "/", "--overwrite", "--json");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal("good: true\n", File.ReadAllText(Path.Combine(data, "config.yml")));
        string safety = restore.LastJson.GetProperty("safety_snapshot").GetString()!;
        var snapshots = JsonDocument.Parse(cli.Run("snapshots", "--json").Stdout).RootElement;
        Assert.Contains(snapshots.EnumerateArray(), s => s.GetProperty("id").GetString() == safety
            && s.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == "pre-restore"));
        Assert.Equal("broken by hand\n", cli.Run("cat", safety, data + "/config.yml").Stdout);

        var unsafeRestore = cli.Run("restore", "latest", data + "/config.yml", "--target", "/", "--overwrite", "--no-safety-snapshot", "--json");
        Assert.Equal(JsonValueKind.Null, unsafeRestore.LastJson.GetProperty("safety_snapshot").ValueKind);
    }

    [Fact]
    public void Read_only_directories_neither_break_a_drill_nor_a_restore_over_them_when_not_run_as_root()
    {
        using var sandbox = new Sandbox();
        string data = sandbox.Path("data"), temp = sandbox.Path("tmp");
        Directory.CreateDirectory(Path.Combine(data, "ro"));
        Directory.CreateDirectory(temp);
        File.WriteAllText(Path.Combine(data, "ro", "template.html"), "<p>kept read-only</p>");
        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        File.SetUnixFileMode(Path.Combine(data, "ro"), (UnixFileMode)0x16D); // r-xr-xr-x
        Assert.Equal(0, cli.Run("backup", data).ExitCode);

        // The restored copy has the read-only directory too; only a non-root user is stopped by it.
        var asNobody = Nobody.Prefix(sandbox, data);
        cli.Environment["TMPDIR"] = temp;
        cli.Environment["HOME"] = temp;
        var drill = cli.RunWith(null, asNobody, "verify", "latest", "--json");
        Assert.True(drill.ExitCode == 0, drill.ToString());
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(temp), p => Path.GetFileName(p).StartsWith("dedup-drill-", StringComparison.Ordinal));

        // The runbook's restore over a live tree: --overwrite into the read-only directory an earlier restore made.
        string target = sandbox.Path("target");
        Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, (UnixFileMode)0x1FF);
        Assert.Equal(0, cli.RunWith(null, asNobody, "restore", "latest", "--target", target).ExitCode);
        File.SetUnixFileMode(target + data + "/ro", (UnixFileMode)0x1ED);
        File.WriteAllText(target + data + "/ro/template.html", "<p>defaced</p>");
        File.SetUnixFileMode(target + data + "/ro", (UnixFileMode)0x16D);
        var again = cli.RunWith(null, asNobody, "restore", "latest", "--target", target, "--overwrite", "--no-safety-snapshot");
        Assert.True(again.ExitCode == 0, again.ToString());
        TreeAssert.Equal(data, target + data);
    }
}
