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
    public int PackSize { get; init; } = Repository.DefaultPackSize;
    /// <summary>The first key's password; null makes a plaintext repository.</summary>
    public string? Password { get; init; }
    public KdfParameters Kdf { get; init; } = KdfParameters.Default;
}

/// <summary>
/// An open repository: config, catalog, pack store and the in-memory block index, under the repository lock.
/// Thread safe for loading blocks; writes go through a <see cref="PackAssembler"/>.
/// </summary>
public sealed class Repository : IBlockLoader, IDisposable
{
    public const int DefaultPackSize = 16 * 1024 * 1024;

    private readonly RepositoryLock _lock;
    private readonly ConcurrentDictionary<BlockId, BlockLocation> _index = new();

    private Repository(RepositoryLayout layout, RepositoryConfig config, Protection protection, Catalog catalog, LocalPackStore packs, RepositoryLock repositoryLock)
    {
        (Layout, Config, Protection, Catalog, Packs, _lock) = (layout, config, protection, catalog, packs, repositoryLock);
        foreach (var (id, location) in catalog.Blocks()) _index[id] = location;
    }

    public RepositoryLayout Layout { get; }
    public RepositoryConfig Config { get; }
    public Protection Protection { get; }
    public ContentHasher Hasher => Protection.Hasher;
    public Catalog Catalog { get; }
    public LocalPackStore Packs { get; }
    public IReadOnlyDictionary<BlockId, BlockLocation> Index => _index;
    /// <summary>Opened from read-only media: nothing may be written (not even the audit log).</summary>
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
    public static Repository Open(string root, CatalogFactory catalogFactory, Func<string> password, string command, TimeSpan lockWait, bool forWriting)
    {
        var layout = new RepositoryLayout(root);
        if (!File.Exists(layout.ConfigPath))
            throw new DedupException($"no repository at {layout.Root} (run 'dedup init' first, or pass --repo)");
        var config = RepositoryConfig.Parse(File.ReadAllBytes(layout.ConfigPath));
        var master = config.Encrypted ? OpenKeys(layout, config).Open(password()).Master : null;
        var protection = Protection.For(config, master);
        var repositoryLock = RepositoryLock.Acquire(layout, command, lockWait, forWriting);
        Catalog? catalog = null;
        try
        {
            var access = repositoryLock.Writable ? CatalogAccess.ReadWrite : CatalogAccess.ReadOnly;
            catalog = new Catalog(catalogFactory(layout.CatalogPath, access), protection.Sealer);
            var repository = new Repository(layout, config, protection, catalog, new LocalPackStore(layout.PacksDirectory, layout.TempDirectory), repositoryLock);
            if (forWriting) repository.Recover();
            return repository;
        }
        catch
        {
            catalog?.Dispose();
            repositoryLock.Dispose();
            throw;
        }
    }

    public static KeyStore OpenKeys(RepositoryLayout layout, RepositoryConfig config)
    {
        if (!config.Encrypted) throw new DedupException("this repository is not encrypted: it has no keys");
        return new KeyStore(layout.KeysDirectory, layout.TempDirectory, config.Id);
    }

    public ChunkerSelector CreateChunkerSelector() =>
        new(new FastCdcChunker(Config.Chunker, GearTable.Derive(Protection.ChunkerSeed)));

    public PackAssembler CreatePackAssembler(int workers) => new(this, workers, repacking: false);

    /// <summary>An assembler that stores blocks the index already has (prune moves live blocks out of mostly dead packs).</summary>
    public PackAssembler CreateRepacker(int workers) => new(this, workers, repacking: true);

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
        Catalog.AddPack(pack, length, entries);
        foreach (var e in entries) _index[e.Block] = new BlockLocation(pack, e.Offset, e.StoredLength, e.RawLength, e.Codec);
    }

    public bool TryLocate(BlockId id, out BlockLocation location) => _index.TryGetValue(id, out location);

    public int LoadBlock(BlockId id, ref byte[] buffer)
    {
        if (!_index.TryGetValue(id, out var location))
            throw new CorruptDataException($"block {id.ToShortString()} is not in the index");
        if (buffer.Length < location.RawLength) buffer = new byte[location.RawLength];
        byte[] stored = ArrayPool<byte>.Shared.Rent(location.StoredLength);
        try
        {
            Packs.ReadRange(location.Pack, location.Offset, stored.AsSpan(0, location.StoredLength));
            VerifyBlock(stored.AsSpan(0, location.StoredLength), id, location.Codec, location.Pack, buffer.AsSpan(0, location.RawLength));
            return location.RawLength;
        }
        finally { ArrayPool<byte>.Shared.Return(stored); }
    }

    /// <summary>Checks a whole pack held in memory (from disk or a bucket): its bytes hash to its name, its trailer
    /// parses, and with <paramref name="verifyBlocks"/> every block opens, decodes and re-hashes. Returns its entries.</summary>
    public List<PackEntry> VerifyPack(byte[] bytes, BlockId pack, bool verifyBlocks)
    {
        if (BlockId.Hash(bytes) != pack) throw new CorruptDataException("content does not hash to its name");
        var entries = PackReader.Parse(bytes, Protection.Sealer);
        if (verifyBlocks)
            foreach (var entry in entries) VerifyBlock(bytes.AsSpan((int)entry.Offset, entry.StoredLength), entry, pack);
        return entries;
    }

    /// <summary>Opens, decodes and re-hashes one stored blob of a pack held in memory.</summary>
    public byte[] VerifyBlock(ReadOnlySpan<byte> stored, PackEntry entry, BlockId pack)
    {
        var raw = new byte[entry.RawLength];
        VerifyBlock(stored, entry.Block, entry.Codec, pack, raw);
        return raw;
    }

    /// <summary>Opens (authenticates and decrypts), decodes into <paramref name="destination"/> (exactly the raw length)
    /// and re-hashes: nothing unverified is ever returned.</summary>
    public void VerifyBlock(ReadOnlySpan<byte> stored, BlockId id, Codec codec, BlockId pack, Span<byte> destination)
    {
        byte[] opened = ArrayPool<byte>.Shared.Rent(Math.Max(stored.Length, 1));
        try
        {
            Span<byte> aad = stackalloc byte[BlockId.Size];
            id.WriteTo(aad);
            int length = Protection.Sealer.Open(aad, stored, opened);
            BlockCodec.Decode(codec, opened.AsSpan(0, length), destination);
        }
        catch (CorruptDataException e) { throw new CorruptDataException($"block {id.ToShortString()} in pack {pack.ToShortString()} is damaged ({e.Message})", e); }
        finally { ArrayPool<byte>.Shared.Return(opened); }
        if (Hasher.Hash(destination) != id)
            throw new CorruptDataException($"block {id.ToShortString()} in pack {pack.ToShortString()} is damaged (content hash mismatch)");
    }

    public void Dispose()
    {
        try
        {
            Packs.Dispose();
            Catalog.Dispose();
        }
        finally { _lock.Dispose(); }
    }
}
