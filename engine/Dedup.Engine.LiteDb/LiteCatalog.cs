using Dedup.Core;
using Dedup.Packs;
using Dedup.Snapshots;
using LiteDB;
using LiteDB.Engine;

namespace Dedup.Catalog.LiteDb;

/// <summary>The catalog in one LiteDB file (plus its write-ahead log while open). The repository lock
/// guarantees a single process; LiteDB serializes threads within it.</summary>
public sealed class LiteCatalog : ICatalog
{
    private const int SchemaVersion = 2;

    private readonly LiteDatabase _db;
    private readonly Stream[] _streams;
    private readonly ILiteCollection<BsonDocument> _snapshots, _trees, _packs, _meta;

    private LiteCatalog(LiteDatabase db, params Stream[] streams)
    {
        _db = db;
        _streams = streams;
        _snapshots = db.GetCollection("snapshots");
        _trees = db.GetCollection("trees");
        _packs = db.GetCollection("packs");
        _meta = db.GetCollection("meta");
    }

    /// <summary>Opens (or with <paramref name="create"/>, creates) the catalog. A damaged file raises <see cref="CorruptDataException"/>.</summary>
    /// <param name="password">Encrypts the file with LiteDB's own AES; null leaves it plain.</param>
    public static LiteCatalog Open(string path, bool create = false, string? password = null)
    {
        if (!create && !File.Exists(path)) throw new CorruptDataException($"catalog {path} is missing");
        DurableFileStream? data = null, log = null;
        try
        {
            data = new DurableFileStream(path, create ? FileMode.CreateNew : FileMode.Open);
            log = new DurableFileStream(path + "-log", FileMode.OpenOrCreate);
            var engine = new LiteEngine(new EngineSettings { DataStream = data, LogStream = log, Password = password });
            var catalog = new LiteCatalog(new LiteDatabase(engine, new BsonMapper(), disposeOnClose: true), data, log);
            catalog.CheckSchema(create);
            return catalog;
        }
        catch (Exception e) when (e is not CorruptDataException && e is not IOException)
        {
            data?.Dispose();
            log?.Dispose();
            throw new CorruptDataException($"catalog {path} is damaged ({e.Message})", e);
        }
    }

    private void CheckSchema(bool create)
    {
        if (create)
        {
            _meta.Insert(new BsonDocument { ["_id"] = "schema", ["version"] = SchemaVersion });
            return;
        }
        var doc = _meta.FindById("schema");
        if (doc is null || doc["version"].AsInt32 != SchemaVersion)
            throw new CorruptDataException("catalog is damaged (its schema record is missing) or of an unknown version");
    }

    public IReadOnlyList<Snapshot> Snapshots() => Guard(() =>
        _snapshots.FindAll().Select(SnapshotDocument.FromBson).OrderBy(s => s.Time).ThenBy(s => s.Id, StringComparer.Ordinal).ToList());

    /// <summary>A damaged file surfaces from LiteDB as whatever its page decoder trips on; report it as what it is.</summary>
    private static T Guard<T>(Func<T> read)
    {
        try { return read(); }
        catch (Exception e) when (e is not CorruptDataException and not IOException and not OutOfMemoryException)
        {
            throw new CorruptDataException($"catalog is damaged ({e.Message})", e);
        }
    }

    public void CommitSnapshot(Snapshot snapshot, IReadOnlyDictionary<BlockId, byte[]> newTrees)
    {
        _db.BeginTrans();
        try
        {
            foreach (var (id, bytes) in newTrees)
                _trees.Upsert(new BsonDocument { ["_id"] = id.ToArray(), ["data"] = bytes });
            _snapshots.Insert(SnapshotDocument.ToBson(snapshot));
            _db.Commit();
        }
        catch
        {
            _db.Rollback();
            throw;
        }
    }

    public bool HasTree(BlockId id) => Guard(() => _trees.Exists(Query.EQ("_id", id.ToArray())));

    public byte[]? LoadTree(BlockId id) => Guard(() => _trees.FindById(id.ToArray())?["data"].AsBinary);

    /// <summary>One document per pack holding its block list (52-byte entries, as in the pack trailer): a
    /// document per block made LiteDB do ~30 KB of work and allocation per block.</summary>
    public void AddPack(BlockId pack, long length, IReadOnlyList<PackEntry> entries) =>
        _packs.Upsert(new BsonDocument
        {
            ["_id"] = pack.ToArray(),
            ["length"] = length,
            ["entries"] = PackFormat.EncodeEntries(entries),
        });

    public IReadOnlyList<(BlockId Pack, long Length)> Packs() => Guard(() =>
        _packs.FindAll().Select(d => (BlockId.Read(d["_id"].AsBinary), d["length"].AsInt64)).ToList());

    public IEnumerable<KeyValuePair<BlockId, BlockLocation>> Blocks() => Guard(() =>
    {
        var blocks = new List<KeyValuePair<BlockId, BlockLocation>>();
        foreach (var d in _packs.FindAll())
        {
            var pack = BlockId.Read(d["_id"].AsBinary);
            var entries = d["entries"].AsBinary;
            if (entries is null || entries.Length % PackFormat.EntrySize != 0) throw new CorruptDataException($"catalog entry of pack {pack.ToShortString()} is damaged");
            for (int i = 0; i < entries.Length; i += PackFormat.EntrySize)
            {
                var e = PackFormat.ReadEntry(entries.AsSpan(i, PackFormat.EntrySize));
                blocks.Add(new(e.Block, new BlockLocation(pack, e.Offset, e.StoredLength, e.RawLength, e.Codec)));
            }
        }
        return blocks;
    });

    public void Dispose()
    {
        // LiteDB leaves streams it was given open; they hold the file locks.
        _db.Dispose();
        foreach (var stream in _streams) stream.Dispose();
    }
}
