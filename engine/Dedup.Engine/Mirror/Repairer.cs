using Dedup.Check;
using Dedup.Core;
using Dedup.Storage;

namespace Dedup.Mirror;

public sealed record RepairReport
{
    public List<string> RepairedLocal { get; } = [];
    public List<string> RepairedRemote { get; } = [];
    /// <summary>Pack → why it could not be healed (damaged in both copies, or in one and absent from the other).</summary>
    public SortedDictionary<string, string> Unhealed { get; } = new(StringComparer.Ordinal);
    public CheckReport Affected { get; } = new();
    public bool Ok => Unhealed.Count == 0;
}

/// <summary>
/// Heals each copy from the other: reads every local and every remote pack; a damaged or missing local pack is
/// replaced by the bucket's copy once that verifies; a damaged or missing remote pack is re-uploaded from a local
/// copy that verifies, and read back. What neither copy holds intact is listed with the snapshots and files it affects.
/// </summary>
public static class Repairer
{
    public static async Task<RepairReport> RunAsync(Repository.IMirrorCheckRepository repository, IObjectStore store, int parallel, CancellationToken cancellationToken)
    {
        var report = new RepairReport();
        var local = Checker.Run(repository, readData: true);
        var remoteState = await RemoteState.LoadAsync(store, repository.CatalogSealer, parallel, cancellationToken);
        var remote = await RemoteChecker.RunAsync(repository, store, remoteState, readData: true, parallel, null, null, cancellationToken);
        var localDamaged = local.DamagedPacks.Keys.Select(BlockId.Parse).ToHashSet();
        var remoteDamaged = remote.DamagedPacks.Keys.Select(BlockId.Parse).ToHashSet();

        foreach (var pack in localDamaged)
        {
            if (remoteDamaged.Contains(pack) || !remoteState.IsMirrored(pack))
            {
                report.Unhealed[pack.ToString()] = remoteDamaged.Contains(pack) ? "damaged locally and in the bucket" : "damaged locally and never pushed";
                continue;
            }
            try
            {
                await RemoteRecovery.FetchPackAsync(repository, store, pack, verifyBlocks: true, cancellationToken);
                report.RepairedLocal.Add(pack.ToString());
            }
            catch (Exception e) when (e is CorruptDataException or ObjectNotFoundException)
            {
                report.Unhealed[pack.ToString()] = $"damaged locally; the bucket's copy failed too ({e.Message})";
            }
        }

        var uploaded = new List<Snapshots.CatalogRecord>();
        var records = repository.ExportPackRecords().ToDictionary(r => BlockId.Read(r.Id));
        foreach (var pack in remoteDamaged)
        {
            if (localDamaged.Contains(pack)) continue; // already listed above
            if (!repository.PackExists(pack))
            {
                report.Unhealed[pack.ToString()] = "damaged in the bucket and not present locally";
                continue;
            }
            var bytes = repository.ReadPack(pack);
            if (BlockId.Hash(bytes) != pack)
            {
                report.Unhealed[pack.ToString()] = "damaged in the bucket and locally";
                continue;
            }
            await MirrorPusher.UploadPackAsync(store, pack, bytes, cancellationToken);
            report.RepairedRemote.Add(pack.ToString());
            if (records.TryGetValue(pack, out var record)) uploaded.Add(record);
        }
        // Record the re-uploaded packs again: harmless when the catalog already does, needed when a segment was lost.
        if (uploaded.Count > 0) await MirrorPusher.UploadSegmentAsync(store, uploaded, repository.CatalogSealer, null, cancellationToken);

        if (report.Unhealed.Count > 0)
            Checker.MapDamage(repository, Checker.BlocksIn(repository, report.Unhealed.Keys.Select(BlockId.Parse)), report.Affected);
        return report;
    }
}
