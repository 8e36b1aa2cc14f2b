using Dedup.Backup;
using Dedup.Catalog.LiteDb;
using Dedup.Chunking;
using Dedup.Crypto;
using Dedup.Repository;
using Dedup.Restore;
using Dedup.Snapshots;

namespace Dedup.Tests.Support;

/// <summary>A real on-disk repository with small chunks and packs, so small test data still spans many blocks and packs.</summary>
public static class TestRepository
{
    public static readonly ChunkerParameters SmallChunks = new(1024, 4096, 16384);
    public static readonly CatalogFactory Catalogs = (path, access) => LiteCatalog.Open(path, access);
    public const string Password = "correct horse battery staple";
    /// <summary>Argon2id at its cheapest: the tests open repositories hundreds of times.</summary>
    public static readonly KdfParameters CheapKdf = new(8, 1);

    /// <summary>An encrypted repository unless <paramref name="encrypted"/> is false.</summary>
    public static string Create(Sandbox sandbox, string name = "repo", bool encrypted = true, ChunkerParameters? chunker = null)
    {
        string path = sandbox.Path(name);
        Repository.LocalRepository.Init(path, Catalogs, new InitOptions
        {
            Chunker = chunker ?? SmallChunks,
            PackSize = 256 * 1024,
            Password = encrypted ? Password : null,
            Kdf = CheapKdf,
        });
        return path;
    }

    public static Repository.LocalRepository Open(string path) => Repository.LocalRepository.Open(path, Catalogs, () => Password, "test", TimeSpan.FromSeconds(10), forWriting: true);

    public static Snapshot Backup(string repo, IReadOnlyList<string> paths, SnapshotKind? kind = null)
    {
        using var repository = Open(repo);
        var request = new BackupRequest { Paths = paths, Kind = kind };
        return BackupRunner.RunAsync(repository, request, NullBackupObserver.Instance, TimeProvider.System, CancellationToken.None).GetAwaiter().GetResult().Snapshot;
    }

    /// <summary>The pack files that hold file data (not only trees, which have packs of their own).</summary>
    public static List<string> DataPackFiles(string repo)
    {
        using var repository = Open(repo);
        var (trees, _) = Dedup.Maintenance.Pruner.Reachable(repository.CreateTreeReader(), repository.Catalog.Snapshots());
        var packs = repository.IndexEntries().Where(e => !trees.Contains(e.Key)).Select(e => e.Value.Pack).ToHashSet();
        return Directory.EnumerateFiles(System.IO.Path.Combine(repo, "packs"), "*", SearchOption.AllDirectories)
            .Where(f => packs.Contains(Core.BlockId.Parse(System.IO.Path.GetFileName(f)))).ToList();
    }

    public static RestoreResult Restore(string repo, Snapshot snapshot, string target, params string[] include)
    {
        using var repository = Open(repo);
        var restorer = new Restorer(repository, repository.CreateTreeReader(), NullRestoreObserver.Instance);
        return restorer.RestoreAsync(snapshot, include, target, new RestoreOptions { Verify = true }).GetAwaiter().GetResult();
    }
}
