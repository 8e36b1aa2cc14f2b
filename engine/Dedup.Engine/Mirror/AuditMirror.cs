using System.Collections.Concurrent;
using Dedup.Core;
using Dedup.Crypto;
using Dedup.Snapshots;
using Dedup.Storage;

namespace Dedup.Mirror;

/// <summary>The audit log's records in a bucket, read in one pass: the segments under audit/, and the records they
/// hold (each as the local catalog stores it, sealed and bound to its id). A segment that fails to verify is
/// reported and ignored, like a catalog segment.</summary>
public sealed class AuditState
{
    public List<BlockId> Segments { get; } = [];
    public List<CatalogRecord> Records { get; } = [];
    public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
    public List<(BlockId Segment, string Problem)> DamagedSegments { get; } = [];
}

/// <summary>
/// The audit log travels with the mirror, so a repository recovered from the bucket knows its drills and checks
/// (status after a recovery would otherwise say "no restore drill yet"). A push uploads the records the bucket
/// lacks as one segment under audit/ (the catalog segment format, records of kind 4), read back before it counts.
/// Records are only ever added; once more than <see cref="MaxSegments"/> segments have accumulated (an hourly run
/// adds one each time), a push folds them into one, verified before the others are deleted.
/// </summary>
public static class AuditMirror
{
    public const int MaxSegments = 64;

    public static async Task<AuditState> LoadAsync(IObjectStore store, IBlobSealer catalogSealer, int parallel, CancellationToken cancellationToken)
    {
        var state = new AuditState();
        await foreach (var (key, _) in store.ListAsync(RemoteLayout.AuditPrefix, cancellationToken))
            if (RemoteLayout.TryParseAuditSegment(key, out var segment)) state.Segments.Add(segment);
        var decoded = new ConcurrentDictionary<BlockId, List<CatalogRecord>>();
        await Parallel.ForEachAsync(state.Segments, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (segment, ct) =>
        {
            try { decoded[segment] = CatalogSegment.Decode(segment, await store.GetAsync(RemoteLayout.AuditSegment(segment), ct), catalogSealer); }
            catch (CorruptDataException e) { lock (state.DamagedSegments) state.DamagedSegments.Add((segment, e.Message)); }
            catch (ObjectNotFoundException) { } // folded away by another push between the listing and the read
        });
        foreach (var segment in state.Segments)
        {
            if (!decoded.TryGetValue(segment, out var records)) continue;
            foreach (var record in records.Where(r => r.Kind == CatalogRecordKind.Audit))
                if (state.Keys.Add(record.Key)) state.Records.Add(record);
        }
        return state;
    }

    /// <summary>Uploads the local audit records the bucket lacks; replaces damaged segments; folds many into one.
    /// Returns how many records were uploaded.</summary>
    public static async Task<int> PushAsync(Repository.IMirrorRepository repository, IObjectStore store, List<string> problems, Action<long>? uploaded,
        CancellationToken cancellationToken)
    {
        var sealer = repository.CatalogSealer;
        var remote = await LoadAsync(store, sealer, 4, cancellationToken);
        var missing = repository.ExportAuditRecords().Where(r => !remote.Keys.Contains(r.Key)).ToList();
        bool fold = remote.Segments.Count + (missing.Count > 0 ? 1 : 0) > MaxSegments;
        if (fold)
        {
            var written = await MirrorPusher.UploadSegmentAsync(store, [.. remote.Records, .. missing], sealer, RemoteLayout.AuditSegment, uploaded, cancellationToken);
            foreach (var old in remote.Segments.Where(s => s != written)) await store.DeleteAsync(RemoteLayout.AuditSegment(old), cancellationToken);
        }
        else if (missing.Count > 0)
        {
            await MirrorPusher.UploadSegmentAsync(store, missing, sealer, RemoteLayout.AuditSegment, uploaded, cancellationToken);
        }
        // What a damaged segment held is now in a good one, as far as this log has it.
        foreach (var (segment, problem) in remote.DamagedSegments)
        {
            if (!fold) await store.DeleteAsync(RemoteLayout.AuditSegment(segment), cancellationToken);
            lock (problems) problems.Add($"replaced damaged audit segment {segment.ToShortString()} ({problem})");
        }
        return missing.Count;
    }
}
