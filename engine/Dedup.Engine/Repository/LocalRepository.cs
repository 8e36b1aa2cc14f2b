using System.Buffers;
using System.Collections.Concurrent;
using Dedup.Chunking;
using Dedup.Core;
using Dedup.Crypto;
using Dedup.Packs;
using Dedup.Snapshots;
using Dedup.Storage;

namespace Dedup.Repository;

/// <summary>Opens a catalog file: (path, create) → store. The engine does not know which database implements it.</summary>
public delegate ICatalogStore CatalogFactory(string path, CatalogAccess access);

public enum CatalogAccess { Create, ReadWrite, ReadOnly }

/// <summary>Options fixed at init.</summary>
public sealed record InitOptions
{
    public ChunkerParameters Chunker { get; init; } = ChunkerParameters.Default;
    public int PackSize { get; init; } = LocalRepository.DefaultPackSize;
    /// <summary>The first key's password; null makes a plaintext repository.</summary>
    public string? Password { get; init; }
    public KdfParameters Kdf { get; init; } = KdfParameters.Default;
}

/// <summary>
/// An open repository in a local directory (its mirror in a bucket is the remote side): config, catalog, pack store
/// and the block index, under the repository lock. The index is read when a block is first asked for: listing
/// snapshots never pays for it.
/// Thread safe for loading blocks; writes go through a <see cref="PackAssembler"/>.
/// </summary>
public sealed class LocalRepository : IPlanRepository, IDisposable
{
    public const int DefaultPackSize = 16 * 1024 * 1024;

    private readonly RepositoryLock _lock;
    private readonly Lock _indexLoad = new();
    private Indexing.BlockIndex? _index;
    private readonly bool _savesIndex;
    private readonly List<Indexing.BlockIndex> _retiredIndexes = [];
    private readonly int _decodedGroupsOwner = DecodedGroups.NewOwner();

    private LocalRepository(RepositoryLayout layout, RepositoryConfig config, Protection protection, Catalog catalog, LocalPackStore packs, RepositoryLock repositoryLock, bool forWriting)
    {
        (Layout, Config, Protection, Catalog, Packs, _lock) = (layout, config, protection, catalog, packs, repositoryLock);
        // Only commands that write the repository save the index: a reader (a dry run, a verify) writes nothing.
        _savesIndex = forWriting && repositoryLock.Writable;
        SnapshotFiles = new SnapshotFiles(layout);
        AuditFiles = new AuditFiles(layout);
    }

    private Indexing.BlockIndex BlockIndex
    {
        get
        {
            if (Volatile.Read(ref _index) is { } loaded) return loaded;
            lock (_indexLoad)
            {
                if (_index is null)
                    Volatile.Write(ref _index, Indexing.BlockIndex.Open(Layout.IndexDirectory, Layout.TempDirectory, Protection.Sealer, Catalog, writable: _savesIndex));
                return _index;
            }
        }
    }

    public RepositoryLayout Layout { get; }
    public RepositoryConfig Config { get; }
    public Protection Protection { get; }
    public ContentHasher Hasher => Protection.Hasher;
    public Catalog Catalog { get; }
    public LocalPackStore Packs { get; }
    /// <summary>Every indexed block once, in id order, streamed (ADR 0007).</summary>
    public IEnumerable<KeyValuePair<BlockId, BlockLocation>> IndexEntries() => BlockIndex.Entries();

    public IReadOnlyList<Snapshot> Snapshots() => Catalog.Snapshots();
    IEnumerable<BlockId> IPruneRepository.CatalogTrees() => Catalog.TreeIds();
    IEnumerable<KeyValuePair<BlockId, BlockLocation>> IPruneRepository.PackBlocks() => Catalog.Blocks();

    bool ICheckRepository.RebuildableFromFiles => Config.IsCurrent;
    List<KeyValuePair<BlockId, BlockLocation>>? ICheckRepository.CatalogListOf(BlockId pack) => Catalog.OwnList(pack);
    List<PackEntry> ICheckRepository.ReadTrailer(BlockId pack) => Packs.ReadEntries(pack, Protection.Sealer);
    List<PackEntry> ICheckRepository.ParseTrailer(byte[] pack) => PackReader.Parse(pack, Protection.Sealer);
    IReadOnlyList<string> ICheckRepository.SnapshotFileIds() => SnapshotFiles.List().ToList();
    Snapshot ICheckRepository.ReadSnapshotFile(string id) => Catalog.OpenSnapshot(id, SnapshotFiles.Read(id));

    IReadOnlyList<(BlockId Pack, long Length)> IPackFiles.PackLengths() => Catalog.Packs();
    bool IPackFiles.PackExists(BlockId pack) => Packs.Exists(pack);
    long IPackFiles.PackLength(BlockId pack) => Packs.Length(pack);
    byte[] IPackFiles.ReadPack(BlockId pack) => Packs.ReadAll(pack);

    IReadOnlyList<AuditRecord> IAuditedRepository.Audit() => Catalog.Audit();

    string IMirrorRepository.Root => Layout.Root;
    string IMirrorRepository.RepositoryId => Config.Id;
    byte[] IMirrorRepository.ReadConfigFile() => File.ReadAllBytes(Layout.ConfigPath);
    IReadOnlyDictionary<string, byte[]> IMirrorRepository.ReadKeyFiles() => Directory.Exists(Layout.KeysDirectory)
        ? Directory.EnumerateFiles(Layout.KeysDirectory, "*.json").ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes)
        : [];
    IBlobSealer IMirrorRepository.CatalogSealer => Protection.CatalogSealer;
    IEnumerable<CatalogRecord> IMirrorRepository.ExportRecords() => Catalog.ExportRecords();
    IEnumerable<CatalogRecord> IMirrorRepository.ExportPackRecords() => Catalog.ExportPackRecords();
    IEnumerable<CatalogRecord> IMirrorRepository.ExportAuditRecords() => Catalog.ExportAuditRecords();
    CatalogRecord IMirrorRepository.TreeRecord(BlockId tree) => Catalog.TreeRecord(tree, () => ((IBlockLoader)this).LoadBlock(tree));

    void IMirrorRepository.PutPack(BlockId pack, byte[] bytes)
    {
        try { Packs.Put(pack, bytes); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RepositoryWriteException($"the repository at {Layout.Root}", e);
        }
    }

    void IPruneRepository.DeletePackFile(BlockId pack)
    {
        if (Packs.Exists(pack)) Packs.Delete(pack);
    }
    /// <summary>Format 2 only: the snapshot records as files, the truth the catalog follows.</summary>
    public SnapshotFiles SnapshotFiles { get; }
    /// <summary>Format 2 only: the audit log as files, kept the same set as the catalog's (<see cref="AuditSync"/>).</summary>
    public AuditFiles AuditFiles { get; }
    /// <summary>Opened by a reader (read-only media included, ADR 0008): nothing may be written, not even the audit log.</summary>
    public bool ReadOnly => !_lock.Writable;

    public static bool Exists(string root) => File.Exists(new RepositoryLayout(root).ConfigPath);

    /// <summary>Creates a repository in an empty or missing directory. The config is written last: a crash
    /// during init leaves no half-repository that open would accept.</summary>
    public static RepositoryConfig Init(string root, CatalogFactory catalogFactory, InitOptions options, TimeProvider? clock = null)
    {
        var layout = new RepositoryLayout(root);
        if (File.Exists(layout.ConfigPath)) throw new DedupException($"a repository already exists at {layout.Root}");
        if (Directory.Exists(layout.Root) && Directory.EnumerateFileSystemEntries(layout.Root).Any())
            throw new DedupException($"{layout.Root} is not empty; init needs an empty or new directory");
        layout.CreateDirectories();
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        var config = RepositoryConfig.CreateNew(options.Chunker, options.PackSize, options.Password is not null, now);
        MasterKey? master = null;
        if (options.Password is not null)
        {
            master = MasterKey.Generate();
            new KeyStore(layout.KeysDirectory, layout.TempDirectory, config.Id).Add(master, options.Password, options.Kdf, now);
        }
        using (catalogFactory(layout.CatalogPath, CatalogAccess.Create)) { }
        DurableFile.Write(layout.ConfigPath, config.Serialize(), layout.TempDirectory);
        layout.RestrictFiles();
        return config;
    }

    /// <summary>Opens a repository under its lock. With <paramref name="forWriting"/>, it also finishes what a killed
    /// writer left: temp files are removed and complete packs the catalog does not know are verified and indexed.
    /// Without it, a repository on read-only media opens without writing anything (not even the lock).</summary>
    /// <param name="password">Asked only when the repository is encrypted; checked before anything is locked or written.</param>
    public static LocalRepository Open(string root, CatalogFactory catalogFactory, Func<string> password, string command, TimeSpan lockWait, bool forWriting) =>
        OpenUnderLock(root, password, command, lockWait, forWriting, recover: forWriting, accept: null,
            (layout, config, writable) => OpenCatalogStore(catalogFactory, layout, config, writable ? CatalogAccess.ReadWrite : CatalogAccess.ReadOnly));

    /// <summary>True when this reader found a writer holding the repository and reads its immutable files instead of
    /// catalog.db (ADR 0008): no trees in the catalog, no audit log, packs as the directory has them.</summary>
    public bool BesideWriter => _lock.Mode == LockMode.BesideWriter;

    /// <summary>Config, keys (the password is checked before anything is locked or written), lock, then the catalog
    /// store <paramref name="openStore"/> gives; everything opened so far is closed again when a step fails.
    /// <paramref name="accept"/> may refuse the repository before the password is asked; with <paramref name="recover"/>,
    /// what a killed writer left is finished (<see cref="Recover"/>).</summary>
    private static LocalRepository OpenUnderLock(string root, Func<string> password, string command, TimeSpan lockWait, bool forWriting, bool recover,
        Action<RepositoryLayout, RepositoryConfig>? accept, Func<RepositoryLayout, RepositoryConfig, bool, ICatalogStore> openStore)
    {
        var layout = new RepositoryLayout(root);
        if (!File.Exists(layout.ConfigPath))
            throw new DedupException($"no repository at {layout.Root} (run 'dedup init' first, or pass --repo)");
        var config = RepositoryConfig.Parse(File.ReadAllBytes(layout.ConfigPath));
        accept?.Invoke(layout, config);
        var master = config.Encrypted ? OpenKeys(layout, config).Open(password()).Master : null;
        var protection = Protection.For(config, master);
        // Readers never wait for a writer of a format-2 repository: they read its immutable files instead (ADR 0008).
        var repositoryLock = forWriting
            ? RepositoryLock.Acquire(layout, command, lockWait)
            : RepositoryLock.AcquireForReading(layout, lockWait, waitForWriter: !config.IsCurrent);
        Catalog? catalog = null;
        try
        {
            var packs = new LocalPackStore(layout.PacksDirectory, layout.TempDirectory);
            var store = repositoryLock.Mode == LockMode.BesideWriter
                ? new FileCatalogStore(new SnapshotFiles(layout), new AuditFiles(layout), packs, protection.Sealer)
                : openStore(layout, config, repositoryLock.Writable);
            catalog = new Catalog(store, protection.Sealer, compressTrees: config.IsCurrent,
                trailers: config.IsCurrent ? pack => packs.ReadEntries(pack, protection.Sealer) : null);
            var repository = new LocalRepository(layout, config, protection, catalog, packs, repositoryLock, forWriting);
            if (recover) repository.Recover();
            return repository;
        }
        catch
        {
            catalog?.Dispose();
            repositoryLock.Dispose();
            throw;
        }
    }

    private static ICatalogStore OpenCatalogStore(CatalogFactory catalogFactory, RepositoryLayout layout, RepositoryConfig config, CatalogAccess access)
    {
        try { return catalogFactory(layout.CatalogPath, access); }
        catch (CorruptDataException e) when (config.IsCurrent)
        {
            throw new CatalogDamagedException($"{e.Message}; the snapshots and data are in snapshots/ and packs/: " +
                "run 'dedup repair --catalog' to rebuild the catalog from them", e);
        }
    }

    /// <summary>Opens a format-2 repository for <c>repair --catalog</c>: under the lock, the current catalog (if any)
    /// is moved aside as <c>catalog.db.damaged-TIME</c> and an empty one created; <see cref="CatalogRebuilder"/> fills it.
    /// Nothing else is recovered first: the rebuild itself is the recovery.</summary>
    public static LocalRepository OpenWithNewCatalog(string root, CatalogFactory catalogFactory, Func<string> password, TimeSpan lockWait, TimeProvider clock) =>
        OpenUnderLock(root, password, "repair --catalog", lockWait, forWriting: true, recover: false,
            accept: (layout, config) =>
            {
                if (!config.IsCurrent)
                    throw new DedupException($"the repository at {layout.Root} is format version {config.Version}: its catalog cannot be rebuilt (run 'dedup migrate' while it still opens)");
            },
            (layout, _, _) =>
            {
                string suffix = $".damaged-{clock.GetUtcNow():yyyyMMddTHHmmss}";
                foreach (var file in new[] { layout.CatalogPath, layout.CatalogPath + "-log" })
                    if (File.Exists(file)) File.Move(file, file.Replace("catalog.db", "catalog.db" + suffix, StringComparison.Ordinal), overwrite: true);
                var store = catalogFactory(layout.CatalogPath, CatalogAccess.Create);
                layout.RestrictFiles();
                return store;
            });

    public static KeyStore OpenKeys(RepositoryLayout layout, RepositoryConfig config)
    {
        if (!config.Encrypted) throw new DedupException("this repository is not encrypted: it has no keys");
        return new KeyStore(layout.KeysDirectory, layout.TempDirectory, config.Id);
    }

    public ChunkerSelector CreateChunkerSelector() =>
        new(new FastCdcChunker(Config.Chunker, GearTable.Derive(Protection.ChunkerSeed)));

    public PackAssembler CreatePackAssembler(int workers)
    {
        RequireCurrentFormat();
        return new(this, workers, repacking: false);
    }

    /// <summary>An assembler that stores blocks the index already has (prune moves live blocks out of mostly dead packs).</summary>
    public PackAssembler CreateRepacker(int workers)
    {
        RequireCurrentFormat();
        return new(this, workers, repacking: true);
    }

    /// <summary>Reads trees from the catalog, or (format 2) from their blobs when the catalog lacks one.</summary>
    public TreeReader CreateTreeReader() => new(Catalog, Hasher, Config.IsCurrent ? this : null);

    /// <summary>Makes a snapshot visible: its file first (durable), then its catalog record. Every block and tree blob
    /// it names must already be durable and indexed (format.md, "Ordering").</summary>
    public void CommitSnapshot(Snapshot snapshot)
    {
        RequireCurrentFormat();
        SnapshotFiles.Write(snapshot.Id, Catalog.SealSnapshot(snapshot));
        Catalog.CommitSnapshot(snapshot);
    }

    /// <summary>Appends to the audit log: its file first (format 2, durable), then the catalog.</summary>
    public void AppendAudit(AuditRecord record)
    {
        var (id, stored) = Catalog.SealAudit(record);
        if (Config.IsCurrent) AuditFiles.Write(id, stored);
        Catalog.AddAudit(id, stored);
    }

    /// <summary>Removes snapshots: their files first (durable), then their catalog records.</summary>
    public void ForgetSnapshots(IReadOnlyCollection<string> ids)
    {
        RequireCurrentFormat();
        SnapshotFiles.Delete(ids);
        Catalog.Remove(ids, [], []);
    }

    /// <summary>Writes the file of every catalog snapshot that has none (format 2): after records were imported from a
    /// mirror, whose segments carry the snapshots, into the catalog. Returns how many were written.</summary>
    public int WriteMissingSnapshotFiles() => Config.IsCurrent ? WriteSnapshotFilesFromCatalog() : 0;

    /// <summary>The same in any format: <see cref="Migration"/> writes them before the config says format 2.</summary>
    internal int WriteSnapshotFilesFromCatalog()
    {
        var files = SnapshotFiles.List().ToHashSet(StringComparer.Ordinal);
        int written = 0;
        foreach (var (id, stored) in Catalog.StoredSnapshots().Where(s => !files.Contains(s.Id)))
        {
            Catalog.OpenSnapshot(id, stored); // authenticated before it becomes the truth
            SnapshotFiles.Write(id, stored);
            written++;
        }
        return written;
    }

    /// <summary>Writing version-2 trees or snapshots into a version-1 repository would make it unreadable to the dedup
    /// that made it, and leave it without the files a catalog rebuild needs.</summary>
    public void RequireCurrentFormat()
    {
        if (!Config.IsCurrent)
            throw new DedupException($"the repository at {Layout.Root} is format version {Config.Version}, which this dedup reads " +
                $"but does not write: run 'dedup migrate' first (docs/format.md)");
    }

    /// <summary>Packs on disk that the catalog does not list: written by a backup killed before it indexed them.</summary>
    public IEnumerable<BlockId> UnindexedPacks()
    {
        var known = Catalog.Packs().Select(p => p.Pack).ToHashSet();
        return Packs.List().Where(id => !known.Contains(id)).ToList();
    }

    private void Recover()
    {
        if (Directory.Exists(Layout.TempDirectory))
            foreach (var file in Directory.EnumerateFiles(Layout.TempDirectory)) File.Delete(file);
        IndexLeftoverPacks();
        if (Config.IsCurrent)
        {
            SnapshotSync.Run(this);
            AuditSync.Run(this);
        }
    }

    private void IndexLeftoverPacks()
    {
        foreach (var pack in UnindexedPacks())
        {
            try
            {
                byte[] bytes = Packs.ReadAll(pack);
                IndexPack(pack, bytes.Length, VerifyPack(bytes, pack, verifyBlocks: true));
            }
            catch (CorruptDataException)
            {
                // Not indexed, so no snapshot can reference it: a damaged leftover is garbage, not data.
                Packs.Delete(pack);
            }
        }
    }

    internal void IndexPack(BlockId pack, long length, IReadOnlyList<PackEntry> entries)
    {
        // Under the load lock: an index being read from the catalog right now either sees this pack or gets it here.
        lock (_indexLoad)
        {
            Catalog.AddPack(pack, length, entries);
            _index?.Add(entries.Select(e => (e.Block, new BlockLocation(pack, e.Offset, e.StoredLength, e.RawLength, e.Codec))));
        }
    }

    /// <summary>Removes trees and packs from the catalog in one transaction (prune), and their blocks from the index
    /// at once: no later lookup of this process may answer with a pack about to be deleted.</summary>
    public void RemovePacks(IReadOnlyCollection<BlockId> trees, IReadOnlyCollection<BlockId> packs)
    {
        lock (_indexLoad)
        {
            Catalog.Remove([], trees, packs);
            _index?.Remove(packs);
        }
    }

    public bool TryLocate(BlockId id, out BlockLocation location) => BlockIndex.TryLocate(id, out location);

    /// <summary>Adds the mirror's catalog records this catalog lacks (recover). Packs arrive in the catalog directly,
    /// so an index already loaded is dropped: the next lookup opens it again and catches up with them.</summary>
    public int ImportCatalogRecords(IEnumerable<CatalogRecord> records)
    {
        lock (_indexLoad)
        {
            int added = Catalog.ImportRecords(records, Hasher);
            if (added > 0 && _index is { } loaded)
            {
                Volatile.Write(ref _index, null);
                loaded.Dispose();
            }
            return added;
        }
    }

    /// <summary>Saves what the index learned (new packs, packs read from the catalog). It is a cache: failing to save
    /// it (a full disk, a catalog that failed a write) costs the next command a catch-up, and must not replace the
    /// outcome of this one.</summary>
    private void PersistIndex()
    {
        try { _index?.Persist(); }
        catch (Exception e) when (e is not OutOfMemoryException) { }
    }

    public int LoadBlock(BlockId id, ref byte[] buffer)
    {
        var index = BlockIndex;
        var location = Locate(index, id);
        if (buffer.Length < location.RawLength) buffer = new byte[location.RawLength];
        return Load(index, id, location, buffer);
    }

    public int LoadBlockInto(BlockId id, Span<byte> destination)
    {
        var index = BlockIndex;
        return LoadLocated(index, id, Locate(index, id), destination);
    }

    public int LoadBlockInto(BlockId id, in BlockLocation location, Span<byte> destination) => LoadLocated(BlockIndex, id, location, destination);

    private int LoadLocated(Indexing.BlockIndex index, BlockId id, BlockLocation location, Span<byte> destination)
    {
        if (destination.Length < location.RawLength) throw new ArgumentException("destination is shorter than the block", nameof(destination));
        return Load(index, id, location, destination);
    }

    private static BlockLocation Locate(Indexing.BlockIndex index, BlockId id) =>
        index.TryLocate(id, out var location) ? location : throw new CorruptDataException($"block {id.ToShortString()} is not in the index");

    /// <summary>Reads, opens, decodes and re-hashes the block at <paramref name="location"/> into <paramref name="destination"/>.</summary>
    private int Load(Indexing.BlockIndex index, BlockId id, BlockLocation location, Span<byte> destination)
    {
        // A file's blocks are read in order, and consecutive members share a group: read and decode it once.
        if (location.Codec == Codec.Grouped && DecodedGroups.Find(_decodedGroupsOwner, location.Pack, location.Offset) is { } decoded)
        {
            CopyMember(decoded, id, location, destination[..location.RawLength]);
            return location.RawLength;
        }
        byte[] stored = ArrayPool<byte>.Shared.Rent(location.StoredLength);
        try
        {
            try { Packs.ReadRange(location.Pack, location.Offset, stored.AsSpan(0, location.StoredLength)); }
            catch (CorruptDataException) when (BesideWriter && !Packs.Exists(location.Pack))
            {
                // A prune beside this reader deleted the pack after the index was read; it stored the blocks it kept
                // in new packs first. Look again.
                LookAgain(index);
                return LoadBlockInto(id, destination);
            }
            VerifyBlock(stored.AsSpan(0, location.StoredLength), id, location, destination[..location.RawLength]);
            return location.RawLength;
        }
        finally { ArrayPool<byte>.Shared.Return(stored); }
    }

    /// <summary>Beside a writer: drops <paramref name="stale"/> so the next lookup reads the runs and the pack directory as
    /// they are now. A block no pack holds any more is then missing (its snapshot was forgotten and pruned).</summary>
    private void LookAgain(Indexing.BlockIndex stale)
    {
        lock (_indexLoad)
        {
            if (!ReferenceEquals(_index, stale)) return; // another thread looked again already
            if (_retiredIndexes.Count >= 3)
                throw new CorruptDataException("packs this command was reading keep being deleted by prunes running beside it; run the command again");
            _retiredIndexes.Add(stale); // other threads may still be reading it: closed with the repository
            Volatile.Write(ref _index, null);
        }
    }

    /// <summary>Checks a whole pack held in memory (from disk or a bucket): its bytes hash to its name, its trailer
    /// parses, and with <paramref name="verifyBlocks"/> every block opens, decodes and re-hashes. Returns its entries.</summary>
    public List<PackEntry> VerifyPack(byte[] bytes, BlockId pack, bool verifyBlocks)
    {
        if (BlockId.Hash(bytes) != pack) throw new CorruptDataException("content does not hash to its name");
        var entries = PackReader.Parse(bytes, Protection.Sealer);
        if (verifyBlocks && VerifyBlocks(bytes, pack, entries) is [var first, ..]) throw new CorruptDataException(first);
        return entries;
    }

    /// <summary>Opens, decodes and re-hashes every block <paramref name="entries"/> lists in a pack held in memory,
    /// each group once and never from what this thread decoded before (a check reads what is on disk now). Returns
    /// one message per damaged block.</summary>
    public List<string> VerifyBlocks(byte[] bytes, BlockId pack, IReadOnlyList<PackEntry> entries)
    {
        var damaged = new List<string>();
        byte[] raw = [];
        (long Offset, BlockGroup.Decoded? Group, string? Error) group = (-1, null, null);
        foreach (var entry in entries)
        {
            var stored = bytes.AsSpan((int)entry.Offset, entry.StoredLength);
            if (raw.Length < entry.RawLength) raw = new byte[entry.RawLength];
            var destination = raw.AsSpan(0, entry.RawLength);
            var location = new BlockLocation(pack, entry.Offset, entry.StoredLength, entry.RawLength, entry.Codec);
            try
            {
                if (entry.Codec != Codec.Grouped) VerifyLoneBlock(stored, entry.Block, location, destination);
                else
                {
                    if (group.Offset != entry.Offset)
                    {
                        var spare = group.Group?.Buffer; // done with: the members of a group are consecutive
                        group = (entry.Offset, null, null);
                        try { group.Group = OpenGroup(stored, entry.Block, location, spare); }
                        catch (CorruptDataException e) { group.Error = e.Message; }
                    }
                    if (group.Group is null) throw new CorruptDataException(group.Error!);
                    CopyMember(group.Group, entry.Block, location, destination);
                }
            }
            catch (CorruptDataException e) { damaged.Add(e.Message); }
        }
        return damaged;
    }

    /// <summary>Opens (authenticates and decrypts), decodes into <paramref name="destination"/> (exactly the raw length)
    /// and re-hashes: nothing unverified is ever returned. A group member comes from what this thread decoded last
    /// when it holds that group.</summary>
    public void VerifyBlock(ReadOnlySpan<byte> stored, BlockId id, BlockLocation location, Span<byte> destination)
    {
        if (location.Codec != Codec.Grouped)
        {
            VerifyLoneBlock(stored, id, location, destination);
            return;
        }
        var group = DecodedGroups.Find(_decodedGroupsOwner, location.Pack, location.Offset);
        if (group is null)
        {
            group = OpenGroup(stored, id, location, DecodedGroups.TakeSpare());
            DecodedGroups.Keep(_decodedGroupsOwner, location.Pack, location.Offset, group);
        }
        CopyMember(group, id, location, destination);
    }

    private void VerifyLoneBlock(ReadOnlySpan<byte> stored, BlockId id, BlockLocation location, Span<byte> destination)
    {
        byte[] opened = ArrayPool<byte>.Shared.Rent(Math.Max(stored.Length, 1));
        try
        {
            Span<byte> aad = stackalloc byte[BlockId.Size];
            id.WriteTo(aad);
            int length = Protection.Sealer.Open(aad, stored, opened);
            BlockCodec.Decode(location.Codec, opened.AsSpan(0, length), destination);
        }
        catch (CorruptDataException e) { throw Damaged(id, location, e.Message, e); }
        finally { ArrayPool<byte>.Shared.Return(opened); }
        if (Hasher.Hash(destination) != id) throw Damaged(id, location, "content hash mismatch");
    }

    /// <summary>Opens and decodes a group blob (ADR 0011); its member table is authenticated with its bytes.</summary>
    private BlockGroup.Decoded OpenGroup(ReadOnlySpan<byte> stored, BlockId id, BlockLocation location, byte[]? spare)
    {
        byte[] opened = ArrayPool<byte>.Shared.Rent(Math.Max(stored.Length, 1));
        try
        {
            int length = Protection.Sealer.Open(BlockGroup.AssociatedData, stored, opened);
            return BlockGroup.Decode(opened.AsSpan(0, length), spare);
        }
        catch (CorruptDataException e) { throw Damaged(id, location, $"its group: {e.Message}", e); }
        finally { ArrayPool<byte>.Shared.Return(opened); }
    }

    private void CopyMember(BlockGroup.Decoded group, BlockId id, BlockLocation location, Span<byte> destination)
    {
        if (!group.TryGet(id, out var bytes)) throw Damaged(id, location, "its group does not hold it");
        if (bytes.Length != destination.Length) throw Damaged(id, location, "its group holds another length");
        bytes.CopyTo(destination);
        if (Hasher.Hash(destination) != id) throw Damaged(id, location, "content hash mismatch");
    }

    private static CorruptDataException Damaged(BlockId id, BlockLocation location, string why, Exception? inner = null) =>
        new($"block {id.ToShortString()} in pack {location.Pack.ToShortString()} is damaged ({why})", inner!);

    public void Dispose()
    {
        try
        {
            PersistIndex();
            _index?.Dispose();
            foreach (var retired in _retiredIndexes) retired.Dispose();
            Packs.Dispose();
            Catalog.Dispose();
        }
        finally { _lock.Dispose(); }
    }
}
