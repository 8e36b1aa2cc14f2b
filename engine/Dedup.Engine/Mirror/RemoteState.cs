using System.Collections.Concurrent;
using Dedup.Core;
using Dedup.Crypto;
using Dedup.Snapshots;
using Dedup.Storage;

namespace Dedup.Mirror;

/// <summary>
/// What a bucket holds, read in one pass: the pack objects listed, and the catalog its segments carry. A pack
/// counts as mirrored only when a segment records it (segments record a pack only after its upload was read
/// back and hashed to its name) and the listing shows it at the recorded size. A segment that fails to verify
/// is reported and ignored: what it held is pushed again.
/// </summary>
public sealed class RemoteState
{
    private RemoteState() { }

    /// <summary>Pack objects in the bucket and their sizes.</summary>
    public Dictionary<BlockId, long> ListedPacks { get; } = [];
    /// <summary>Packs the remote catalog records, with the length recorded at upload.</summary>
    public Dictionary<BlockId, long> CatalogPacks { get; } = [];
    public HashSet<string> RecordKeys { get; } = new(StringComparer.Ordinal);
    public HashSet<string> SnapshotIds { get; } = new(StringComparer.Ordinal);
    public List<CatalogRecord> Records { get; } = [];
    public List<BlockId> Segments { get; } = [];
    public List<(BlockId Segment, string Problem)> DamagedSegments { get; } = [];

    public bool IsMirrored(BlockId pack) =>
        CatalogPacks.TryGetValue(pack, out long length) && ListedPacks.TryGetValue(pack, out long size) && size == length;

    public static async Task<RemoteState> LoadAsync(IObjectStore store, IBlobSealer catalogSealer, int parallel, CancellationToken cancellationToken)
    {
        var state = new RemoteState();
        await foreach (var (key, size) in store.ListAsync(RemoteLayout.PacksPrefix, cancellationToken))
            if (RemoteLayout.TryParsePack(key, out var pack)) state.ListedPacks[pack] = size;
        await foreach (var (key, _) in store.ListAsync(RemoteLayout.CatalogPrefix, cancellationToken))
            if (RemoteLayout.TryParseSegment(key, out var segment)) state.Segments.Add(segment);

        var decoded = new ConcurrentDictionary<BlockId, List<CatalogRecord>>();
        await Parallel.ForEachAsync(state.Segments, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (segment, ct) =>
        {
            try
            {
                var bytes = await store.GetAsync(RemoteLayout.Segment(segment), ct);
                decoded[segment] = CatalogSegment.Decode(segment, bytes, catalogSealer);
            }
            catch (CorruptDataException e) { lock (state.DamagedSegments) state.DamagedSegments.Add((segment, e.Message)); }
            catch (ObjectNotFoundException) { } // deleted between the listing and the read (another push finished)
        });
        foreach (var segment in state.Segments)
        {
            if (!decoded.TryGetValue(segment, out var records)) continue;
            foreach (var record in records)
            {
                if (!state.RecordKeys.Add(record.Key)) continue;
                state.Records.Add(record);
                if (record.Kind == CatalogRecordKind.Pack) state.CatalogPacks[BlockId.Read(record.Id)] = record.PackLength;
                else if (record.Kind == CatalogRecordKind.Snapshot) state.SnapshotIds.Add(System.Text.Encoding.UTF8.GetString(record.Id));
            }
        }
        return state;
    }
}
