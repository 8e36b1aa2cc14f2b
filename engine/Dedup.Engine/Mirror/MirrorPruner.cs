using Dedup.Core;
using Dedup.Storage;

namespace Dedup.Mirror;

public sealed record MirrorPruneReport(int SegmentsReplaced, int PacksDeleted, long BytesFreed, int SnapshotsForgotten);

/// <summary>
/// Brings the bucket down to what the local catalog holds, after forget and prune: one segment with every current
/// record is uploaded and verified, then the older segments are deleted, then the packs the catalog no longer
/// lists. A kill after the first step leaves the old records beside the new (the bucket still restores everything
/// it restored before); after the second, unlisted packs that the next run deletes. A plain push never deletes.
/// </summary>
public static class MirrorPruner
{
    public static async Task<MirrorPruneReport> RunAsync(Repository.IMirrorRepository repository, IObjectStore store, PushOptions options, CancellationToken cancellationToken)
    {
        // Everything current must be mirrored first: the new segment records only verified packs.
        // The push walks every snapshot's trees; the repository is held meanwhile, so they are still the current set.
        var pusher = new MirrorPusher(repository, store, options);
        await pusher.PushAsync(cancellationToken);
        var remote = await RemoteState.LoadAsync(store, repository.CatalogSealer, options.Parallel, cancellationToken);
        var local = repository.ExportRecords().Concat(MirrorPusher.TreeRecords(repository, pusher.SnapshotTrees)).ToList();
        var localKeys = local.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var localPacks = repository.PackLengths().Select(p => p.Pack).ToHashSet();
        var extraPacks = remote.ListedPacks.Where(p => !localPacks.Contains(p.Key)).ToList();
        int forgotten = remote.SnapshotIds.Count(id => !localKeys.Contains(Snapshots.CatalogRecord.KeyOf(id)));
        bool staleRecords = remote.RecordKeys.Any(k => !localKeys.Contains(k));
        if (!staleRecords && extraPacks.Count == 0) return new MirrorPruneReport(0, 0, 0, 0);

        int replaced = 0;
        if (staleRecords)
        {
            // Only records the bucket can back: packs it holds verified, every tree, snapshots complete there.
            var current = local.Where(r => r.Kind != Snapshots.CatalogRecordKind.Pack || remote.IsMirrored(BlockId.Read(r.Id)))
                .Where(r => r.Kind != Snapshots.CatalogRecordKind.Snapshot || remote.RecordKeys.Contains(r.Key)).ToList();
            var written = await MirrorPusher.UploadSegmentAsync(store, current, repository.CatalogSealer, null, cancellationToken);
            foreach (var old in remote.Segments.Where(s => s != written))
            {
                await store.DeleteAsync(RemoteLayout.Segment(old), cancellationToken);
                replaced++;
            }
        }
        foreach (var (pack, _) in extraPacks) await store.DeleteAsync(RemoteLayout.Pack(pack), cancellationToken);
        return new MirrorPruneReport(replaced, extraPacks.Count, extraPacks.Sum(p => p.Value), forgotten);
    }
}
