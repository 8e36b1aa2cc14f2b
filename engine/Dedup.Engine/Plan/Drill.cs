using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Dedup.Core;
using Dedup.Restore;
using Dedup.Snapshots;

namespace Dedup.Plan;

/// <summary>
/// A restore drill: restores a snapshot (all of it, or a sample of its files) into a temporary directory with
/// every file re-read and re-hashed against the catalog, measures the throughput, removes the copy, and records
/// the result in the audit log. The throughput is what status turns into "how long would restoring this set take".
/// </summary>
public static class Drill
{
    /// <summary>Runs the drill and records it, unless the repository is read-only (then only the result is returned).</summary>
    public static async Task<AuditRecord> RunAsync(Repository.IAuditedRepository repository, IBlockLoader loader, Snapshot snapshot, double samplePercent, DateTimeOffset now, string? set,
        CancellationToken cancellationToken = default)
    {
        var trees = repository.CreateTreeReader();
        var files = trees.Walk(snapshot.Root, "/").Where(f => f.Node.Type == NodeType.File).Select(f => f.Path).ToList();
        var chosen = samplePercent >= 100 ? [] : files.Where(p => InSample(p, samplePercent)).ToList();
        if (samplePercent < 100 && chosen.Count == 0 && files.Count > 0) chosen.Add(files[0]);
        string target = Path.Combine(Path.GetTempPath(), $"dedup-drill-{Guid.NewGuid():N}");
        var clock = Stopwatch.StartNew();
        RestoreResult? result = null;
        string? problem = null;
        try
        {
            result = await new Restorer(loader, trees, NullRestoreObserver.Instance).RestoreAsync(snapshot, chosen, target, new RestoreOptions { Verify = true }, cancellationToken);
            if (result.Failed.Count > 0) problem = $"{result.Failed.Count} files failed: {string.Join(", ", result.Failed.Take(5))}";
        }
        catch (Exception e) when (e is DedupException or IOException or UnauthorizedAccessException) { problem = e.Message; }
        finally
        {
            if (!RestoredCopy.TryRemove(target)) problem ??= $"the drill's copy in {target} could not be removed";
        }
        clock.Stop();
        string scope = samplePercent >= 100 ? "full restore" : $"sample {samplePercent:0.#}%";
        var record = new AuditRecord
        {
            Time = now,
            Action = "drill",
            Set = set,
            Snapshot = snapshot.Id,
            Ok = problem is null,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            Bytes = result?.Bytes ?? 0,
            Detail = problem ?? $"{scope}: {result!.Files} files verified, {(result.Bytes / Math.Max(clock.Elapsed.TotalSeconds, 1e-3) / 1e6):0.0} MB/s",
        };
        if (!repository.ReadOnly) repository.AppendAudit(record);
        return record;
    }

    /// <summary>A file is in a p% sample when the first bytes of its path's hash say so: the same files every time.</summary>
    private static bool InSample(string path, double percent) =>
        BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(path))) < percent / 100 * uint.MaxValue;
}
