using System.Collections.Concurrent;
using System.Text.Json;
using Dedup.Core;
using Dedup.Crypto;
using Dedup.Storage;

namespace Dedup.Indexing;

/// <summary>
/// Where every stored block is (ADR 0007): the runs in <c>index/</c>, checked against the catalog when opened,
/// plus an overlay of the packs no run covers yet (added by this process, or missed by a killed one). Lookups
/// are thread safe and lock-free; adding and persisting are serialized. Only a process holding the repository
/// (every dedup process holds it alone) may open it <c>writable</c>: then it persists what the overlay holds
/// when it grows past <see cref="FlushEntries"/> and when it is disposed.
/// </summary>
public sealed class BlockIndex : IDisposable
{
    /// <summary>The overlay is saved as a run past this many entries: it costs ~150 bytes an entry, a run ~40 (data set
    /// b's first backup, 160,000 new blocks of database pages, peaked at 232 MiB with 2^18, 190 MiB with 2^16).</summary>
    public const int FlushEntries = 1 << 16;
    private const int MaxRuns = 8;
    private const string ManifestName = "manifest";

    private readonly string _directory, _tempDirectory;
    private readonly IBlobSealer _sealer;
    private readonly IIndexSource _source;
    private bool _writable;
    private readonly Lock _writeLock = new();
    private readonly ConcurrentDictionary<BlockId, BlockLocation> _overlay = new();
    private IndexRun[] _runs;
    private HashSet<BlockId> _masked;
    // The catalog state the index was last found to match, and the pack additions and removals since, each told
    // to the index by the process that made it. Persist writes the catalog's state only when it is exactly that:
    // a change the index was not told of (it cannot be trusted to know) makes the next open catch up instead.
    private PackState? _validated;
    private long _changes;
    private readonly List<IndexRun> _retired = [];

    private BlockIndex(string directory, string tempDirectory, IBlobSealer sealer, IIndexSource source, bool writable, IndexRun[] runs, HashSet<BlockId> masked)
        => (_directory, _tempDirectory, _sealer, _source, _writable, _runs, _masked) = (directory, tempDirectory, sealer, source, writable, runs, masked);

    /// <summary>Runs whose files could not be read and were left out (their packs come from the catalog).</summary>
    public IReadOnlyList<string> DroppedRuns { get; private set; } = [];

    /// <summary>Bytes the runs keep in memory; the overlay is extra (~150 bytes an entry).</summary>
    public long RunMemoryBytes => _runs.Sum(r => r.MemoryBytes);
    public int RunCount => _runs.Length;
    public int OverlayCount => _overlay.Count;

    public static BlockIndex Open(string directory, string tempDirectory, IBlobSealer sealer, IIndexSource source, bool writable)
    {
        var manifest = ReadManifest(directory);
        var runs = new List<IndexRun>();
        var dropped = new List<string>();
        foreach (var name in manifest?.Runs ?? [])
        {
            try { runs.Add(IndexRun.Open(Path.Combine(directory, name + ".run"), sealer)); }
            catch (Exception e) when (e is IOException or CorruptDataException or UnauthorizedAccessException) { dropped.Add(name); }
        }
        var index = new BlockIndex(directory, tempDirectory, sealer, source, writable, [.. runs], []) { DroppedRuns = dropped };
        var state = source.PackState();
        index._validated = state;
        if (state is null || manifest?.PackState != state || dropped.Count > 0) index.CatchUp();
        return index;
    }

    /// <summary>Brings the runs in line with the catalog: packs it no longer has are masked, packs no run covers are
    /// read from it (and, when writable, saved as runs, merged if there are many or masked ones).</summary>
    private void CatchUp()
    {
        var catalogPacks = _source.PackIds().ToHashSet();
        var covered = _runs.SelectMany(r => r.Packs).ToHashSet();
        _masked = covered.Where(p => !catalogPacks.Contains(p)).ToHashSet();
        var missing = catalogPacks.Where(p => !covered.Contains(p)).ToList();
        lock (_writeLock)
        {
            // (ConcurrentDictionary.Count takes every lock of the table: counted here instead.)
            int pending = 0;
            foreach (var (id, location) in _source.Blocks(missing))
            {
                if (_overlay.TryAdd(id, location)) pending++;
                if (_writable && pending >= FlushEntries) { Quietly(FlushOverlay); pending = 0; }
            }
            if (_writable) Quietly(Persist);
        }
    }

    public bool TryLocate(BlockId id, out BlockLocation location)
    {
        if (_overlay.TryGetValue(id, out location)) return true;
        var runs = Volatile.Read(ref _runs);
        var masked = Volatile.Read(ref _masked);
        // Newest first: after a crash a block may be in two packs, and either location holds it.
        for (int i = runs.Length - 1; i >= 0; i--)
        {
            bool found;
            try { found = runs[i].TryFind(id, out location); }
            catch (Exception e) when (e is CorruptDataException or IOException)
            {
                Replace(runs[i]);
                return TryLocate(id, out location);
            }
            if (found && (masked.Count == 0 || !masked.Contains(location.Pack))) return true;
        }
        location = default;
        return false;
    }

    /// <summary>A run with a damaged page is dropped and its packs read from the catalog again (a writer saves them
    /// as a new run when it persists). The file stays open until the index is disposed: other threads may be
    /// reading it.</summary>
    private void Replace(IndexRun damaged)
    {
        lock (_writeLock)
        {
            if (!_runs.Contains(damaged)) return;
            foreach (var (id, location) in _source.Blocks(damaged.Packs)) _overlay.TryAdd(id, location);
            Volatile.Write(ref _runs, _runs.Where(r => r != damaged).ToArray());
            _retired.Add(damaged);
            DroppedRuns = [.. DroppedRuns, damaged.Name];
        }
    }

    /// <summary>Records the blocks of a pack the catalog has just added (one catalog change).</summary>
    public void Add(IEnumerable<(BlockId Block, BlockLocation Location)> entries)
    {
        lock (_writeLock)
        {
            HashSet<BlockId>? unmask = null;
            foreach (var (block, location) in entries)
            {
                _overlay[block] = location;
                if (_masked.Contains(location.Pack)) (unmask ??= []).Add(location.Pack);
            }
            // A pack removed earlier and written again byte for byte (same id: possible in a plaintext repository)
            // is live again; a merge must not drop it with the removed one.
            if (unmask is not null) Volatile.Write(ref _masked, _masked.Where(p => !unmask.Contains(p)).ToHashSet());
            _changes++;
            if (_writable && _overlay.Count >= FlushEntries) Quietly(FlushOverlay);
        }
    }

    /// <summary>Forgets the blocks of packs the catalog has just removed (one catalog change).</summary>
    public void Remove(IReadOnlyCollection<BlockId> packs)
    {
        if (packs.Count == 0) return;
        lock (_writeLock)
        {
            Volatile.Write(ref _masked, [.. _masked, .. packs]);
            foreach (var (id, location) in _overlay)
                if (packs.Contains(location.Pack)) _overlay.TryRemove(id, out _);
            _changes++;
        }
    }

    /// <summary>Every entry, each block once, in id order: the runs merged with the overlay, masked packs left out.
    /// Memory: a page per run and the overlay sorted.</summary>
    public IEnumerable<KeyValuePair<BlockId, BlockLocation>> Entries()
    {
        var runs = Volatile.Read(ref _runs);
        var masked = Volatile.Read(ref _masked);
        return LiveOnce(runs.Select(r => r.Entries()).Append(SortedOverlay()).ToList(), masked);
    }

    /// <summary>Id-ordered streams merged, entries of masked packs left out, each block once (the first stream wins).</summary>
    private static IEnumerable<KeyValuePair<BlockId, BlockLocation>> LiveOnce(IReadOnlyList<IEnumerable<KeyValuePair<BlockId, BlockLocation>>> sources,
        HashSet<BlockId> masked)
    {
        BlockId? last = null;
        foreach (var entry in RunMerge.Merge(sources))
        {
            if (masked.Contains(entry.Value.Pack) || (last is { } l && l.Equals(entry.Key))) continue;
            last = entry.Key;
            yield return entry;
        }
    }

    /// <summary>Saves the overlay as a run, merges runs when there are many or some hold removed packs, and writes
    /// the manifest with the catalog's pack state. Writable indexes only; a failure leaves the index as it was.</summary>
    public void Persist()
    {
        if (!_writable) return;
        lock (_writeLock)
        {
            Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (!_overlay.IsEmpty) FlushOverlay();
            if (_runs.Length > MaxRuns || _masked.Count > 0) MergeRuns();
            var state = _source.PackState();
            WriteManifest(state is not null && _validated is not null && state == _validated.After(_changes) ? state : null);
            DeleteUnlisted();
        }
    }

    /// <summary>Saving the cache failed (a full disk, tmp/ not writable): the overlay keeps it in memory and this
    /// process stops trying; the command's own writes report such a failure, not the index.</summary>
    private void Quietly(Action save)
    {
        try { save(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { _writable = false; }
    }

    private void FlushOverlay()
    {
        Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var entries = SortedOverlay().ToList();
        string name = IndexRunWriter.Write(_directory, _tempDirectory, _sealer, entries, entries.Count);
        Volatile.Write(ref _runs, [.. _runs, IndexRun.Open(Path.Combine(_directory, name + ".run"), _sealer)]);
        foreach (var (id, _) in entries) _overlay.TryRemove(id, out _);
        // A long backup flushes many times before it persists: every lookup of a new block asks each run.
        if (_runs.Length > 2 * MaxRuns) MergeRuns();
        WriteManifest(state: null); // the runs so far; the pack state only once everything is saved
    }

    private void MergeRuns()
    {
        var old = _runs;
        var masked = _masked;
        var merged = LiveOnce(old.Select(r => r.Entries()).ToList(), masked);
        string name = IndexRunWriter.Write(_directory, _tempDirectory, _sealer, merged, old.Sum(r => r.Count));
        Volatile.Write(ref _runs, [IndexRun.Open(Path.Combine(_directory, name + ".run"), _sealer)]);
        Volatile.Write(ref _masked, []);
        _retired.AddRange(old);
    }

    private IEnumerable<KeyValuePair<BlockId, BlockLocation>> SortedOverlay() => _overlay.OrderBy(e => e.Key);

    internal sealed record Manifest(int Version, List<string> Runs, PackState? PackState);

    private static Manifest? ReadManifest(string directory)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(directory, ManifestName)), IndexJson.Default.Manifest);
            return manifest is { Version: 1, Runs: not null } && manifest.Runs.All(IsRunName) ? manifest : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or NotSupportedException) { return null; }
    }

    private static bool IsRunName(string name) => name.Length == 32 && name.All(char.IsAsciiHexDigitLower);

    private void WriteManifest(PackState? state) =>
        DurableFile.Write(Path.Combine(_directory, ManifestName), JsonSerializer.SerializeToUtf8Bytes(new Manifest(1, _runs.Select(r => r.Name).ToList(), state), IndexJson.Default.Manifest), _tempDirectory);

    /// <summary>Run files no manifest names: replaced by a merge, or written by a process killed before its
    /// manifest. Only a writer deletes, and no other process has the repository open meanwhile.</summary>
    private void DeleteUnlisted()
    {
        var listed = _runs.Select(r => r.Name + ".run").ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(_directory, "*.run"))
            if (!listed.Contains(Path.GetFileName(file)))
                try { File.Delete(file); } catch (IOException) { }
    }

    public void Dispose()
    {
        foreach (var run in _runs.Concat(_retired)) run.Dispose();
    }
}

/// <summary>A k-way merge of id-ordered entry streams (ties keep stream order).</summary>
internal static class RunMerge
{
    public static IEnumerable<KeyValuePair<BlockId, BlockLocation>> Merge(IReadOnlyList<IEnumerable<KeyValuePair<BlockId, BlockLocation>>> sources)
    {
        var cursors = sources.Select(s => s.GetEnumerator()).ToList();
        try
        {
            var queue = new PriorityQueue<int, (BlockId, int)>();
            for (int i = 0; i < cursors.Count; i++)
                if (cursors[i].MoveNext()) queue.Enqueue(i, (cursors[i].Current.Key, i));
            while (queue.TryDequeue(out int i, out _))
            {
                yield return cursors[i].Current;
                if (cursors[i].MoveNext()) queue.Enqueue(i, (cursors[i].Current.Key, i));
            }
        }
        finally
        {
            foreach (var cursor in cursors) cursor.Dispose();
        }
    }
}

/// <summary>The index manifest read and written by code generated at build time (every command that reads blocks opens it).</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(BlockIndex.Manifest))]
internal sealed partial class IndexJson : System.Text.Json.Serialization.JsonSerializerContext;
