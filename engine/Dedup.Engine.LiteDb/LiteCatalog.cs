using System.Reflection;
using System.Runtime.ExceptionServices;
using Dedup.Core;
using Dedup.Repository;
using Dedup.Snapshots;
using LiteDB;
using LiteDB.Engine;

namespace Dedup.Catalog.LiteDb;

/// <summary>The catalog store in one LiteDB file (plus its write-ahead log while open). The repository lock
/// guarantees a single process; LiteDB serializes threads within it. Records arrive sealed by the engine.
/// After a write fails (a full disk), the store refuses everything until it is opened again: LiteDB keeps the
/// failed transaction's pages in its cache, so readers saw a snapshot whose commit had failed, and it acknowledged
/// later writes that it never stored.</summary>
public sealed class LiteCatalog : ICatalogStore
{
    private const int SchemaVersion = 3;

    private readonly string _path;
    private readonly LiteDatabase _db;
    private readonly Stream[] _streams;
    private readonly ILiteCollection<BsonDocument> _snapshots, _trees, _packs, _meta, _audit;
    private ExceptionDispatchInfo? _writeFailure;

    private LiteCatalog(string path, LiteDatabase db, params Stream[] streams)
    {
        _path = path;
        _db = db;
        _streams = streams;
        _snapshots = db.GetCollection("snapshots");
        _trees = db.GetCollection("trees");
        _packs = db.GetCollection("packs");
        _meta = db.GetCollection("meta");
        _audit = db.GetCollection("audit");
    }

    /// <summary>Opens (or creates) the catalog. A damaged file raises <see cref="CorruptDataException"/>.
    /// <see cref="CatalogAccess.ReadOnly"/> writes nothing (the repository is on read-only media): a write-ahead log
    /// a killed writer left is read, not folded into the file.</summary>
    public static LiteCatalog Open(string path, CatalogAccess access)
    {
        if (access != CatalogAccess.Create && !File.Exists(path)) throw new CorruptDataException($"catalog {path} is missing");
        Stream? data = null, log = null;
        LiteCatalog? catalog = null;
        try
        {
            bool readOnly = access == CatalogAccess.ReadOnly;
            if (readOnly)
            {
                data = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.RandomAccess);
                log = File.Exists(path + "-log") ? new FileStream(path + "-log", FileMode.Open, FileAccess.Read, FileShare.Read) : new MemoryStream();
            }
            else
            {
                data = new DurableFileStream(path, access == CatalogAccess.Create ? FileMode.CreateNew : FileMode.Open);
                log = new DurableFileStream(path + "-log", FileMode.OpenOrCreate);
            }
            var engine = new LiteEngine(new EngineSettings { DataStream = data, LogStream = log, ReadOnly = readOnly });
            catalog = new LiteCatalog(path, new LiteDatabase(engine, new BsonMapper(), disposeOnClose: true), data, log);
            catalog.CheckSchema(access == CatalogAccess.Create);
            return catalog;
        }
        catch (Exception e)
        {
            // Closed whatever the cause: the streams hold the file locks, and a LiteDB left open with a query
            // that failed on damaged pages would be finalized later, on the GC thread (AbandonTransactions).
            if (catalog is not null)
            {
                catalog.AbandonTransactions();
                try { catalog._db.Dispose(); }
                catch (Exception) { }
            }
            CloseQuietly(data);
            CloseQuietly(log);
            if (e is CorruptDataException or IOException) throw;
            throw new CorruptDataException($"catalog {path} is damaged ({e.Message})", e);
        }
    }

    private void CheckSchema(bool create)
    {
        if (create)
        {
            _meta.Insert(new BsonDocument { ["_id"] = "schema", ["version"] = SchemaVersion });
            _meta.Insert(NewPackState());
            return;
        }
        var doc = _meta.FindById("schema");
        if (doc is null || doc["version"].AsInt32 != SchemaVersion)
            throw new CorruptDataException("catalog is damaged (its schema record is missing) or of an unknown version");
    }

    /// <summary>A damaged file surfaces from LiteDB as whatever its page decoder trips on; report it as what it is.
    /// After a failed write nothing is read: the cache may hold what never reached the disk.</summary>
    private T Guard<T>(Func<T> read)
    {
        _writeFailure?.Throw();
        try { return read(); }
        catch (Exception e) when (e is not CorruptDataException and not IOException and not OutOfMemoryException)
        {
            throw new CorruptDataException($"catalog is damaged ({e.Message})", e);
        }
    }

    public IReadOnlyList<(string Id, byte[] Record)> SnapshotRecords() => Guard(() =>
        _snapshots.FindAll().Select(d => (d["_id"].AsString, d["record"].AsBinary)).ToList());

    public void CommitSnapshot(string id, byte[] record, IReadOnlyDictionary<BlockId, byte[]> newTrees) => InTransaction(() =>
    {
        UpsertTrees(newTrees);
        _snapshots.Insert(new BsonDocument { ["_id"] = id, ["record"] = record });
    });

    public void AddTrees(IReadOnlyDictionary<BlockId, byte[]> trees) => InTransaction(() => UpsertTrees(trees));

    private void UpsertTrees(IReadOnlyDictionary<BlockId, byte[]> trees)
    {
        foreach (var (treeId, bytes) in trees)
            _trees.Upsert(new BsonDocument { ["_id"] = treeId.ToArray(), ["data"] = bytes });
    }

    /// <summary>All of it or none of it: a failure rolls back before it is rethrown.</summary>
    private void InTransaction(Action changes) => Write(() =>
    {
        _db.BeginTrans();
        try
        {
            changes();
            _db.Commit();
        }
        catch
        {
            // After a failed write LiteDB's rollback can fail too ("discarded page must be writable"): the first
            // error is the one that says what happened.
            try { _db.Rollback(); }
            catch (Exception) { }
            throw;
        }
    });

    /// <summary>Every change goes through here: the first that fails is kept and thrown by every later call, read
    /// or write. A failure to write is a <see cref="RepositoryWriteException"/> naming the catalog.</summary>
    private void Write(Action change)
    {
        _writeFailure?.Throw();
        try { change(); }
        catch (Exception e)
        {
            _writeFailure = ExceptionDispatchInfo.Capture(e is IOException or UnauthorizedAccessException ? new RepositoryWriteException($"the catalog {_path}", e) : e);
            AbandonTransactions();
            _writeFailure.Throw();
        }
    }

    /// <summary>
    /// LiteDB 5 leaves the transaction of a failed write open, and its finalizer later runs on the GC thread and
    /// throws there, ending the process long after the error was reported (litedb-org/LiteDB#2828): a `dedup run`
    /// going on to its next set, or the test host. This catalog is never written again after a failure, so its
    /// transactions are taken off the finalizer queue. Best effort through LiteDB's private fields (5.0.x): if
    /// they are not there, nothing changes.
    /// </summary>
    private void AbandonTransactions()
    {
        const BindingFlags Private = BindingFlags.Instance | BindingFlags.NonPublic;
        try
        {
            var engine = typeof(LiteDatabase).GetField("_engine", Private)?.GetValue(_db);
            var monitor = engine?.GetType().GetField("_monitor", Private)?.GetValue(engine);
            if (monitor?.GetType().GetField("_transactions", Private)?.GetValue(monitor) is not System.Collections.IDictionary open) return;
            lock (open)
                foreach (var transaction in open.Values) GC.SuppressFinalize(transaction!);
        }
        catch (Exception) { }
    }

    public IEnumerable<(BlockId Id, byte[] Data)> TreeRecords() => Guard(() =>
        _trees.FindAll().Select(d => (BlockId.Read(d["_id"].AsBinary), d["data"].AsBinary)).ToList());

    // FindById, not Exists(Query.EQ(...)): the latter scans the whole collection for binary ids.
    public bool HasTree(BlockId id) => Guard(() => _trees.FindById(id.ToArray()) is not null);

    public byte[]? LoadTree(BlockId id) => Guard(() => _trees.FindById(id.ToArray())?["data"].AsBinary);

    /// <summary>One document per pack with its block list: a document per block made LiteDB do ~30 KB of work
    /// and allocation per block.</summary>
    public void AddPack(BlockId pack, long length, byte[] entries) => InTransaction(() =>
    {
        _packs.Upsert(new BsonDocument { ["_id"] = pack.ToArray(), ["length"] = length, ["entries"] = entries });
        ChangePackState();
    });

    /// <summary>The instance is drawn when the record is first made (a rebuilt or replaced
    /// catalog gets a new one), the generation counts pack additions and removals.</summary>
    public (string Instance, long Generation)? PackState() => Guard<(string, long)?>(() =>
        _meta.FindById(PackStateId) is { } d ? (d["instance"].AsString, d["generation"].AsInt64) : null);

    private const string PackStateId = "packs";

    private static BsonDocument NewPackState() => new() { ["_id"] = PackStateId, ["instance"] = Guid.NewGuid().ToString("N"), ["generation"] = 0L };

    private void ChangePackState()
    {
        var doc = _meta.FindById(PackStateId) ?? NewPackState();
        doc["generation"] = doc["generation"].AsInt64 + 1;
        _meta.Upsert(doc);
    }

    public void AppendAudit(string id, byte[] record) => Write(() => _audit.Insert(new BsonDocument { ["_id"] = id, ["record"] = record }));

    public IReadOnlyList<(string Id, byte[] Record)> AuditRecords() => Guard(() =>
        _audit.FindAll().Select(d => (d["_id"].AsString, d["record"].AsBinary)).ToList());

    public void Remove(IReadOnlyCollection<string> snapshots, IReadOnlyCollection<BlockId> trees, IReadOnlyCollection<BlockId> packs) => InTransaction(() =>
    {
        foreach (var id in snapshots) _snapshots.Delete(id);
        foreach (var id in trees) _trees.Delete(id.ToArray());
        foreach (var id in packs) _packs.Delete(id.ToArray());
        if (packs.Count > 0) ChangePackState();
    });

    public IReadOnlyList<(BlockId Pack, long Length)> Packs() => Guard(() =>
        _packs.FindAll().Select(d => (BlockId.Read(d["_id"].AsBinary), d["length"].AsInt64)).ToList());

    public IReadOnlyList<(BlockId Pack, byte[] Entries)> PackEntries() => Guard(() =>
        _packs.FindAll().Select(d => (BlockId.Read(d["_id"].AsBinary), d["entries"].AsBinary ?? [])).ToList());

    public IEnumerable<(BlockId Pack, byte[] Entries)> PackEntries(IEnumerable<BlockId> packs)
    {
        foreach (var pack in packs)
            if (Guard(() => _packs.FindById(pack.ToArray())) is { } d) yield return (pack, d["entries"].AsBinary ?? []);
    }

    /// <summary>Never throws for a full disk: closing checkpoints the log into the data file, and when that cannot
    /// be written the log still holds every committed transaction for the next open. A command that succeeded
    /// must not fail here, and one that failed must not have its error replaced by this one.</summary>
    public void Dispose()
    {
        try { _db.Dispose(); }
        catch (Exception e) when (e is IOException || _writeFailure is not null) { }
        // LiteDB leaves streams it was given open; they hold the file locks.
        foreach (var stream in _streams) CloseQuietly(stream);
    }

    private static void CloseQuietly(Stream? stream)
    {
        try { stream?.Dispose(); }
        catch (IOException) { }
    }
}
