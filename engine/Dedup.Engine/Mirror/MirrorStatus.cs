using Dedup.Core;
using Dedup.Snapshots;
using Dedup.Storage;

namespace Dedup.Mirror;

public sealed record SnapshotCopies(Snapshot Snapshot, bool Local, bool Remote, int PacksPending, long BytesPending);

/// <summary>Per snapshot, and for the whole repository: packs the catalog lists that the remote lacks.</summary>
public sealed record MirrorStatusReport(IReadOnlyList<SnapshotCopies> Snapshots, int PacksPending, long BytesPending)
{
    public bool Ok => PacksPending == 0 && Snapshots.All(c => c.Local && c.Remote);
}

/// <summary>The 3-2-1 rule as a fact: per snapshot, whether the local repository and the bucket each hold everything
/// it needs, and what remains to push. Local completeness checks each needed pack file's presence and size
/// (check --read-data reads them); remote completeness needs the snapshot in the remote catalog and every pack
/// recorded as mirrored there.</summary>
public static class MirrorStatus
{
    public static async Task<MirrorStatusReport> ComputeAsync(Repository.IMirrorRepository repository, IObjectStore store, CancellationToken cancellationToken)
    {
        var remote = await RemoteState.LoadAsync(store, repository.CatalogSealer, 4, cancellationToken);
        var lengths = repository.PackLengths().ToDictionary(p => p.Pack, p => p.Length);
        var localPresent = new Dictionary<BlockId, bool>();
        bool IsLocal(BlockId pack)
        {
            if (!localPresent.TryGetValue(pack, out bool present))
                localPresent[pack] = present = repository.PackExists(pack) && repository.PackLength(pack) == lengths.GetValueOrDefault(pack, -1);
            return present;
        }
        var snapshots = SnapshotPacks.For(repository).Select(s =>
        {
            var pending = s.Packs.Where(p => !remote.IsMirrored(p)).ToList();
            bool local = s.UnlocatedBlocks == 0 && s.Packs.All(IsLocal);
            bool onRemote = s.UnlocatedBlocks == 0 && pending.Count == 0 && remote.SnapshotIds.Contains(s.Snapshot.Id);
            return new SnapshotCopies(s.Snapshot, local, onRemote, pending.Count, pending.Sum(p => lengths.GetValueOrDefault(p)));
        }).ToList();
        var pending = lengths.Where(p => !remote.IsMirrored(p.Key)).ToList();
        return new MirrorStatusReport(snapshots, pending.Count, pending.Sum(p => p.Value));
    }
}
