using System.Diagnostics;
using Dedup.Core;
using Dedup.Snapshots;
using Dedup.Storage;

namespace Dedup.Mirror;

public sealed record PushOptions
{
    /// <summary>Packs in flight at once (each holds two pack-sized buffers: the upload and its read-back).</summary>
    public int Parallel { get; init; } = 4;
    /// <summary>Verified packs recorded per catalog segment while the push runs: how much a killed push re-verifies.</summary>
    public int PacksPerSegment { get; init; } = 32;
    /// <summary>Progress: bytes of packs to push (once), then bytes pushed or verified as they complete.</summary>
    public Action<long>? OnTotal { get; init; }
    public Action<long>? OnProgress { get; init; }
}

public sealed record PushReport
{
    public int PacksUploaded { get; init; }
    /// <summary>Packs found complete in the bucket but not yet recorded (a push killed after uploading them): read back, not re-sent.</summary>
    public int PacksVerifiedInPlace { get; init; }
    public int PacksAlreadyMirrored { get; init; }
    public long BytesUploaded { get; init; }
    public int SegmentsUploaded { get; init; }
    public int SnapshotsExported { get; init; }
    public int SnapshotsOnRemote { get; init; }
    public int AuditRecordsUploaded { get; init; }
    public IReadOnlyList<string> Problems { get; init; } = [];
    public TimeSpan Duration { get; init; }
    public int Parallel { get; init; }
}

/// <summary>
/// Makes the bucket a complete copy of the repository. Order: config and key files; packs the bucket lacks (each
/// uploaded, then read back and hashed to its name before it is recorded); then one catalog segment with the
/// remaining pack records, the trees the bucket lacks, and the snapshots whose every pack is now mirrored; then the
/// audit records the bucket lacks (<see cref="AuditMirror"/>). A kill
/// at any moment leaves only verified packs recorded; objects are immutable and named by content, so the next
/// push uploads only what is missing.
/// </summary>
public sealed class MirrorPusher(Repository.IMirrorRepository repository, IObjectStore store, PushOptions options)
{
    private readonly List<CatalogRecord> _pendingPacks = [];
    private readonly SemaphoreSlim _segmentLock = new(1, 1);
    private readonly List<string> _problems = [];
    private int _segments;
    private long _up;

    /// <summary>Every tree of the local snapshots, as the last push walked them: a prune right after needs the same set.</summary>
    internal IReadOnlyCollection<BlockId> SnapshotTrees { get; private set; } = [];

    public async Task<PushReport> PushAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await PushRepositoryFilesAsync(repository, store, cancellationToken);
        var remote = await RemoteState.LoadAsync(store, repository.CatalogSealer, options.Parallel, cancellationToken);
        var records = repository.ExportRecords().ToList();
        var packRecords = records.Where(r => r.Kind == CatalogRecordKind.Pack).ToDictionary(r => BlockId.Read(r.Id));

        var toPush = packRecords.Keys.Where(p => !remote.IsMirrored(p)).ToList();
        int already = packRecords.Count - toPush.Count;
        options.OnTotal?.Invoke(toPush.Sum(p => packRecords[p].PackLength));
        int uploaded = 0, verifiedInPlace = 0;
        var mirrored = packRecords.Keys.Where(remote.IsMirrored).ToHashSet();

        await Parallel.ForEachAsync(toPush, new ParallelOptions { MaxDegreeOfParallelism = options.Parallel, CancellationToken = cancellationToken }, async (pack, ct) =>
        {
            var record = packRecords[pack];
            bool inPlace = remote.ListedPacks.TryGetValue(pack, out long size) && size == record.PackLength;
            if (!await PushPackAsync(pack, record.PackLength, inPlace, ct)) return;
            Interlocked.Increment(ref inPlace ? ref verifiedInPlace : ref uploaded);
            options.OnProgress?.Invoke(record.PackLength);
            lock (mirrored) mirrored.Add(pack);
            List<CatalogRecord>? batch = null;
            lock (_pendingPacks)
            {
                _pendingPacks.Add(record);
                if (_pendingPacks.Count >= options.PacksPerSegment)
                {
                    batch = [.. _pendingPacks];
                    _pendingPacks.Clear();
                }
            }
            if (batch is not null) await UploadSegmentAsync(batch, ct);
        });

        // The closing segment: trees, then snapshots only once every pack they need is recorded as mirrored.
        var final = new List<CatalogRecord>(_pendingPacks);
        var snapshotPacks = SnapshotPacks.For(repository, out var trees);
        SnapshotTrees = trees;
        final.AddRange(TreeRecords(repository, trees.Where(t => !remote.RecordKeys.Contains(CatalogRecord.KeyOf(t)))));
        var complete = snapshotPacks
            .Where(s => s.UnlocatedBlocks == 0 && s.Packs.All(mirrored.Contains))
            .Select(s => CatalogRecord.KeyOf(s.Snapshot.Id)).ToHashSet(StringComparer.Ordinal);
        var newSnapshots = records.Where(r => r.Kind == CatalogRecordKind.Snapshot && complete.Contains(r.Key) && !remote.RecordKeys.Contains(r.Key)).ToList();
        final.AddRange(newSnapshots);
        if (final.Count > 0) await UploadSegmentAsync(final, cancellationToken);

        // Segments that failed to verify: everything they held is now in a good segment.
        foreach (var (segment, problem) in remote.DamagedSegments)
        {
            await store.DeleteAsync(RemoteLayout.Segment(segment), cancellationToken);
            _problems.Add($"replaced damaged catalog segment {segment.ToShortString()} ({problem})");
        }

        // The audit log last: drills and checks belong with the copy a recovery starts from.
        int audit = await AuditMirror.PushAsync(repository, store, _problems, bytes => Interlocked.Add(ref _up, bytes), cancellationToken);

        return new PushReport
        {
            PacksUploaded = uploaded,
            PacksVerifiedInPlace = verifiedInPlace,
            PacksAlreadyMirrored = already,
            BytesUploaded = Interlocked.Read(ref _up),
            SegmentsUploaded = _segments,
            SnapshotsExported = newSnapshots.Count,
            SnapshotsOnRemote = remote.SnapshotIds.Count + newSnapshots.Count,
            AuditRecordsUploaded = audit,
            Problems = _problems,
            Duration = clock.Elapsed,
            Parallel = options.Parallel,
        };
    }

    /// <summary>Trees as catalog records: recovery from the bucket needs them before it has any pack.</summary>
    public static IEnumerable<CatalogRecord> TreeRecords(Repository.IMirrorRepository repository, IEnumerable<BlockId> trees) =>
        trees.Select(repository.TreeRecord);

    /// <summary>config.json first (it claims the bucket for this repository; a bucket holding another repository is
    /// refused), then the key files (recovery needs them; removed keys are removed remotely too).</summary>
    public static async Task PushRepositoryFilesAsync(Repository.IMirrorRepository repository, IObjectStore store, CancellationToken cancellationToken)
    {
        byte[] localConfig = repository.ReadConfigFile();
        try
        {
            var remoteConfig = Repository.RepositoryConfig.Parse(await store.GetAsync(RemoteLayout.Config, cancellationToken));
            if (remoteConfig.Id != repository.RepositoryId)
                throw new DedupException($"the bucket holds another repository (id {remoteConfig.Id[..8]}, this one is {repository.RepositoryId[..8]}): use another bucket or prefix");
        }
        catch (ObjectNotFoundException)
        {
            await PutVerifiedAsync(store, RemoteLayout.Config, localConfig, BlockId.Hash(localConfig), cancellationToken);
        }
        var localKeys = repository.ReadKeyFiles();
        var remoteKeys = new List<string>();
        await foreach (var (key, _) in store.ListAsync(RemoteLayout.KeysPrefix, cancellationToken)) remoteKeys.Add(key);
        foreach (var (name, bytes) in localKeys)
        {
            string key = RemoteLayout.Key(name);
            if (remoteKeys.Contains(key) && (await store.GetAsync(key, cancellationToken)).AsSpan().SequenceEqual(bytes)) continue;
            await PutVerifiedAsync(store, key, bytes, BlockId.Hash(bytes), cancellationToken);
        }
        foreach (var key in remoteKeys.Where(k => !localKeys.ContainsKey(k[RemoteLayout.KeysPrefix.Length..])))
            await store.DeleteAsync(key, cancellationToken);
    }

    /// <summary>Verifies a pack already in the bucket, else uploads and verifies it; false when the local copy is damaged.</summary>
    private async Task<bool> PushPackAsync(BlockId pack, long length, bool alreadyUploaded, CancellationToken cancellationToken)
    {
        if (alreadyUploaded && await ReadsBackAsAsync(store, RemoteLayout.Pack(pack), length, pack, cancellationToken)) return true;
        byte[] local;
        try { local = repository.ReadPack(pack); }
        catch (CorruptDataException e) { return Problem($"pack {pack.ToShortString()} not pushed: {e.Message} (run 'dedup repair')"); }
        if (local.Length != length || BlockId.Hash(local) != pack)
            return Problem($"pack {pack.ToShortString()} not pushed: the local copy is damaged (run 'dedup repair')");
        await UploadPackAsync(store, pack, local, cancellationToken);
        Interlocked.Add(ref _up, local.Length);
        return true;
    }

    /// <summary>Uploads a pack; it counts as there only once it reads back as its name.</summary>
    public static Task UploadPackAsync(IObjectStore store, BlockId pack, byte[] bytes, CancellationToken cancellationToken) =>
        PutVerifiedAsync(store, RemoteLayout.Pack(pack), bytes, pack, cancellationToken);

    /// <summary>Uploads an object and reads it back (a second upload if that fails): it counts as there only once
    /// what comes back hashes to <paramref name="hash"/>, the SHA-256 of what was sent (a pack's name).</summary>
    private static async Task PutVerifiedAsync(IObjectStore store, string key, byte[] bytes, BlockId hash, CancellationToken cancellationToken)
    {
        for (int attempt = 1; attempt <= 2; attempt++)
        {
            await store.PutAsync(key, bytes, cancellationToken);
            if (await ReadsBackAsAsync(store, key, bytes.Length, hash, cancellationToken)) return;
        }
        throw new RemoteException($"{key} did not read back intact after upload", transient: false);
    }

    /// <summary>Reads an object back through a hasher: no pack-sized buffer per upload in flight.</summary>
    private static async Task<bool> ReadsBackAsAsync(IObjectStore store, string key, long length, BlockId hash, CancellationToken cancellationToken)
    {
        using var back = new Sha256Sink();
        return await store.GetToAsync(key, back, cancellationToken) == length && back.Hash() == hash;
    }

    private bool Problem(string message)
    {
        lock (_problems) _problems.Add(message);
        return false;
    }

    private async Task UploadSegmentAsync(List<CatalogRecord> records, CancellationToken cancellationToken)
    {
        await _segmentLock.WaitAsync(cancellationToken);
        try
        {
            await UploadSegmentAsync(store, records, repository.CatalogSealer, bytes => Interlocked.Add(ref _up, bytes), cancellationToken);
            _segments++;
        }
        finally { _segmentLock.Release(); }
    }

    /// <summary>Uploads a segment and reads it back: it counts only once it verifies. Returns its name. Read back
    /// whole (GetAsync) rather than through <see cref="PutVerifiedAsync"/>'s hasher: that read leaves the verified
    /// copy in the segment cache, so the next push need not download it.</summary>
    public static Task<BlockId> UploadSegmentAsync(IObjectStore store, IReadOnlyCollection<CatalogRecord> records, Crypto.IBlobSealer sealer,
        Action<long>? uploaded, CancellationToken cancellationToken) =>
        UploadSegmentAsync(store, records, sealer, RemoteLayout.Segment, uploaded, cancellationToken);

    /// <summary>Same, under the key <paramref name="keyOf"/> gives the segment's name (the audit log's segments live apart).</summary>
    public static async Task<BlockId> UploadSegmentAsync(IObjectStore store, IReadOnlyCollection<CatalogRecord> records, Crypto.IBlobSealer sealer,
        Func<BlockId, string> keyOf, Action<long>? uploaded, CancellationToken cancellationToken)
    {
        var (name, bytes) = CatalogSegment.Encode(records, sealer);
        string key = keyOf(name);
        await store.PutAsync(key, bytes, cancellationToken);
        uploaded?.Invoke(bytes.Length);
        if (BlockId.Hash(await store.GetAsync(key, cancellationToken)) != name)
            throw new RemoteException($"segment {key} did not read back intact after upload", transient: false);
        return name;
    }
}
