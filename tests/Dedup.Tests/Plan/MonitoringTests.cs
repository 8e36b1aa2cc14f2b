using System.Globalization;
using Dedup.Tests.Support;

namespace Dedup.Tests.Plan;

/// <summary>status --prometheus --output: what node_exporter's textfile collector reads, checked by promtool.</summary>
public class MonitoringTests
{
    [Fact]
    public void Status_writes_the_prometheus_text_format_atomically_with_the_objectives_as_values()
    {
        if (!Promtool.Available()) return;
        using var sandbox = new Sandbox();
        string data = sandbox.Path("data"), textfiles = sandbox.Path("node_exporter");
        Directory.CreateDirectory(data);
        Directory.CreateDirectory(textfiles);
        File.WriteAllText(Path.Combine(data, "contacts.db"), new string('x', 50_000));
        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        string policy = sandbox.Path("dedup.toml");
        File.WriteAllText(policy, $"[[set]]\nname = \"contacts\"\npaths = [\"{data}\"]\ntier = \"critical\"\n");
        // Sunday the 1st: a backup, a check reading all data, a full restore drill.
        var run = cli.Run("run", "--policy", policy, "--now", "2026-03-01T02:00", "--quiet");
        Assert.True(run.ExitCode == 0, run.ToString());
        // The temp file belongs next to the target (a rename is atomic only within one file system), not in $TMPDIR.
        cli.Environment["TMPDIR"] = sandbox.Path("no-such-dir");
        string prom = Path.Combine(textfiles, "dedup.prom");

        // No remote: the 3-2-1 rule does not hold, so status exits 1, and still writes the file monitoring reads.
        var status = cli.Run("status", "--policy", policy, "--now", "2026-03-01T02:30", "--prometheus", "--output", prom);
        Assert.True(status.ExitCode == 1 && status.Stdout.Length == 0, status.ToString());
        var (exit, lint) = Promtool.CheckMetrics(prom);
        Assert.True(exit == 0, $"promtool check metrics: exit {exit}\n{lint}\n{File.ReadAllText(prom)}");
        var first = Samples(prom);
        Assert.Equal(1, first["dedup_set_rpo_met{set=\"contacts\"}"]);
        Assert.Equal(3600, first["dedup_set_rpo_seconds{set=\"contacts\"}"]);
        Assert.Equal(1800, first["dedup_set_last_snapshot_age_seconds{set=\"contacts\"}"]);
        Assert.Equal(50_000, first["dedup_set_size_bytes{set=\"contacts\"}"]);
        Assert.Equal(1, first["dedup_set_last_drill_success{set=\"contacts\"}"]);
        Assert.True(first["dedup_set_last_drill_throughput_bytes_per_second{set=\"contacts\"}"] > 0);
        Assert.True(first.ContainsKey("dedup_set_restore_estimate_seconds{set=\"contacts\"}"));
        Assert.Equal(1, first["dedup_set_rto_met{set=\"contacts\"}"]);
        Assert.Equal(0, first["dedup_set_copies_met{set=\"contacts\"}"]);
        Assert.Equal(1, first["dedup_last_check_success"]);
        Assert.Equal(0, first["dedup_objectives_met"]);
        Assert.True(first["dedup_repository_size_bytes"] > 0);
        // Stored bytes include the trees' blobs (format 2): on 50 kB of data the ratio sits just below 1.
        Assert.InRange(first["dedup_repository_dedup_ratio"], 0.9, 1.1);

        // Two hours later the critical 1 h RPO is broken. A scraper that opened the old file keeps reading all of it:
        // the new one was renamed into place, not written over the old.
        using var reader = new FileStream(prom, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        string before = File.ReadAllText(prom);
        status = cli.Run("status", "--policy", policy, "--now", "2026-03-01T04:00", "--prometheus", "--output", prom);
        Assert.True(status.ExitCode == 1, status.ToString());
        Assert.Equal(before, new StreamReader(reader).ReadToEnd());
        var late = Samples(prom);
        Assert.Equal(0, late["dedup_set_rpo_met{set=\"contacts\"}"]);
        Assert.Equal(7200, late["dedup_set_last_snapshot_age_seconds{set=\"contacts\"}"]);
        Assert.Equal(["dedup.prom"], Directory.GetFiles(textfiles).Select(Path.GetFileName));
        Assert.Equal(0, Promtool.CheckMetrics(prom).ExitCode);
    }

    /// <summary>Sample lines (name and labels) and their values.</summary>
    private static Dictionary<string, double> Samples(string file) =>
        File.ReadAllLines(file).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToDictionary(l => l[..l.LastIndexOf(' ')], l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
