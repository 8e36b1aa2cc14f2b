using System.Globalization;
using System.Text;
using Dedup.Plan;

namespace Dedup.Cli;

/// <summary>
/// `dedup status` in the Prometheus text exposition format (version 0.0.4), for node_exporter's textfile collector.
/// Names follow Prometheus' conventions: the dedup_ prefix, base units (seconds, bytes), 0/1 gauges for "holds",
/// timestamps as well as ages (an age in a file read every scrape goes stale; a timestamp does not). A value that
/// does not exist (no drill yet) is left out rather than written as a made-up number.
/// </summary>
public static class PrometheusText
{
    public static string Write(PlanStatusReport report, string? remote, RepositorySize size)
    {
        var metrics = new Metrics();
        double now = report.Now.ToUnixTimeMilliseconds() / 1000.0;
        metrics.Add("dedup_status_timestamp_seconds", "When this status was computed (Unix time).", [], now);
        metrics.Add("dedup_objectives_met", "1 if every objective of every set holds and the last check passed (status exit code 0), else 0.", [], Bit(report.Ok));

        metrics.Add("dedup_check_met", "1 if a check succeeded in the last 48 hours, else 0.", [], Bit(report.LastCheck is { Ok: true }));
        if (report.LatestCheck is { } check)
        {
            metrics.Add("dedup_last_check_timestamp_seconds", "When the last check ran (Unix time).", [], check.Time.ToUnixTimeMilliseconds() / 1000.0);
            metrics.Add("dedup_last_check_age_seconds", "Age of the last check when this status was computed.", [], (report.Now - check.Time).TotalSeconds);
            metrics.Add("dedup_last_check_success", "1 if the last check found the repository sound, else 0.", [], Bit(check.Ok));
        }

        metrics.Add("dedup_repository_size_bytes", "Bytes of pack files in the local repository.", [], size.PackBytes);
        metrics.Add("dedup_repository_unique_bytes", "Bytes of unique (deduplicated, uncompressed) block data.", [], size.UniqueBytes);
        metrics.Add("dedup_repository_snapshots", "Snapshots in the repository.", [], size.Snapshots);
        metrics.Add("dedup_repository_dedup_ratio", "Bytes the snapshots hold per unique byte stored.", [], size.DedupRatio);

        foreach (var s in report.Sets)
        {
            string[] set = ["set", s.Set.Name];
            metrics.Add("dedup_set_info", "A backup set of the plan, with its tier.", [.. set, "tier", s.Set.Tier.ToString().ToLowerInvariant()], 1);
            metrics.Add("dedup_set_objectives_met", "1 if every objective of the set holds, else 0.", set, Bit(s.Ok));
            metrics.Add("dedup_set_rpo_seconds", "The set's recovery point objective.", set, s.Objectives.Rpo.TotalSeconds);
            metrics.Add("dedup_set_rpo_met", "1 if the set's last snapshot is younger than its RPO, else 0.", set, Bit(s.RpoMet));
            if (s.LastSnapshot is { } last)
            {
                metrics.Add("dedup_set_last_snapshot_timestamp_seconds", "When the set's last complete snapshot was taken (Unix time).", set, last.Time.ToUnixTimeMilliseconds() / 1000.0);
                metrics.Add("dedup_set_last_snapshot_age_seconds", "Age of the set's last complete snapshot when this status was computed.", set, s.Age!.Value.TotalSeconds);
                metrics.Add("dedup_set_size_bytes", "Bytes of files in the set's last snapshot.", set, last.Totals.Bytes);
            }
            metrics.Add("dedup_set_rto_seconds", "The set's recovery time objective.", set, s.Objectives.Rto.TotalSeconds);
            metrics.Add("dedup_set_rto_met", "1 if restoring the set at the last drill's throughput fits its RTO, else 0.", set, Bit(s.RtoMet));
            if (s.LastDrill is { } drill)
            {
                metrics.Add("dedup_set_last_drill_timestamp_seconds", "When the set's last restore drill ran (Unix time).", set, drill.Time.ToUnixTimeMilliseconds() / 1000.0);
                metrics.Add("dedup_set_last_drill_success", "1 if the set's last restore drill restored and verified every file, else 0.", set, Bit(drill.Ok));
                metrics.Add("dedup_set_last_drill_throughput_bytes_per_second", "Restore throughput the set's last drill measured.", set, drill.Bytes / Math.Max(drill.Seconds, 1e-3));
            }
            if (s.EstimatedRestore is { } estimate)
                metrics.Add("dedup_set_restore_estimate_seconds", "Time a restore of the set would take at the last drill's throughput (the implied RTO).", set, estimate.TotalSeconds);
            string[] copies = remote is null ? set : [.. set, "remote", remote];
            metrics.Add("dedup_set_copies_met", "1 if the set's latest snapshot is complete locally and on the remote (3-2-1), else 0.", copies, Bit(s.CopiesMet));
            if (s.Local is { } local) metrics.Add("dedup_set_local_complete", "1 if the set's latest snapshot is complete in the local repository, else 0.", set, Bit(local));
            if (s.Remote is { } onRemote) metrics.Add("dedup_set_remote_complete", "1 if the set's latest snapshot is complete on the remote, else 0.", copies, Bit(onRemote));
        }
        return metrics.ToString();
    }

    private static double Bit(bool value) => value ? 1 : 0;

    /// <summary>Samples grouped by metric (the format wants each family's samples together, after its HELP and TYPE).</summary>
    private sealed class Metrics
    {
        private readonly List<(string Name, string Help, List<string> Samples)> _families = [];

        public void Add(string name, string help, string[] labels, double value)
        {
            var family = _families.FirstOrDefault(f => f.Name == name);
            if (family.Name is null) _families.Add(family = (name, help, []));
            var text = new StringBuilder(name);
            if (labels.Length > 0)
            {
                text.Append('{');
                for (int i = 0; i < labels.Length; i += 2)
                    text.Append(i == 0 ? "" : ",").Append(labels[i]).Append("=\"").Append(Escape(labels[i + 1])).Append('"');
                text.Append('}');
            }
            family.Samples.Add(text.Append(' ').Append(Number(value)).ToString());
        }

        public override string ToString()
        {
            var text = new StringBuilder();
            foreach (var (name, help, samples) in _families)
            {
                text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\").Replace("\n", "\\n")).Append('\n');
                text.Append("# TYPE ").Append(name).Append(" gauge\n");
                foreach (var sample in samples) text.Append(sample).Append('\n');
            }
            return text.ToString();
        }

        private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

        private static string Number(double value) =>
            double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString("R", CultureInfo.InvariantCulture);
    }
}
