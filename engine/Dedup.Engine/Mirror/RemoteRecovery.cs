using Dedup.Core;
using Dedup.Crypto;
using Dedup.Packs;
using Dedup.Repository;
using Dedup.Snapshots;
using Dedup.Storage;

namespace Dedup.Mirror;

public sealed record RecoverOptions
{
    /// <summary>Fetch every pack now; otherwise packs stay in the bucket until a restore with the remote asks for them.</summary>
    public bool AllPacks { get; init; }
    public int Parallel { get; init; } = 4;
    public Action<long>? OnTotal { get; init; }
    public Action<long>? OnProgress { get; init; }
}

public sealed record RecoverReport(bool Created, int RecordsImported, int AuditRecordsImported, int Snapshots, int PacksFetched, int PacksInBucket,
    IReadOnlyList<string> Problems);

/// <summary>
/// Rebuilds a local repository from the bucket alone: config and key files, then the catalog from its segments and
/// the audit log from its own, then (with <see cref="RecoverOptions.AllPacks"/>) every pack, each verified against its name and parsed before
/// it is written. The password is checked before anything is written; config.json is written after the key files
/// and the empty catalog, as init does. Run again on the result, it adds what is missing (a killed recover, or
/// snapshots pushed since).
/// </summary>
public static class RemoteRecovery
{
    public static async Task<RecoverReport> RecoverAsync(IObjectStore store, string root, CatalogFactory catalogs, Func<string> password,
        RecoverOptions options, CancellationToken cancellationToken)
    {
        // Asked once (a prompt, or a file read), though both the key check and the open below need it.
        var once = new Lazy<string>(password);
        password = () => once.Value;
        byte[] configBytes;
        try { configBytes = await store.GetAsync(RemoteLayout.Config, cancellationToken); }
        catch (ObjectNotFoundException) { throw new DedupException("the bucket holds no repository (no config.json under this prefix)"); }
        var config = RepositoryConfig.Parse(configBytes);
        var layout = new RepositoryLayout(root);
        bool created = false;
        if (File.Exists(layout.ConfigPath))
        {
            var local = RepositoryConfig.Parse(File.ReadAllBytes(layout.ConfigPath));
            if (local.Id != config.Id) throw new DedupException($"{layout.Root} holds another repository (id {local.Id[..8]}, the bucket's is {config.Id[..8]})");
        }
        else
        {
            if (Directory.Exists(layout.Root) && Directory.EnumerateFileSystemEntries(layout.Root).Any())
                throw new DedupException($"{layout.Root} is not empty; recover needs an empty or new directory (or the same repository)");
            var keys = await FetchKeysAsync(store, config, password, cancellationToken);
            layout.CreateDirectories();
            foreach (var (name, bytes) in keys) DurableFile.Write(Path.Combine(layout.KeysDirectory, name), bytes, layout.TempDirectory);
            using (catalogs(layout.CatalogPath, CatalogAccess.Create)) { }
            DurableFile.Write(layout.ConfigPath, configBytes, layout.TempDirectory);
            layout.RestrictFiles();
            created = true;
        }

        using var repository = Repository.LocalRepository.Open(root, catalogs, password, "recover", TimeSpan.Zero, forWriting: true);
        var remote = await RemoteState.LoadAsync(store, repository.Protection.CatalogSealer, options.Parallel, cancellationToken);
        var problems = remote.DamagedSegments.Select(d => $"catalog segment {d.Segment.ToShortString()} is damaged and was skipped ({d.Problem})").ToList();
        int imported = repository.ImportCatalogRecords(remote.Records);
        var audit = await AuditMirror.LoadAsync(store, repository.Protection.CatalogSealer, options.Parallel, cancellationToken);
        problems.AddRange(audit.DamagedSegments.Select(d => $"audit segment {d.Segment.ToShortString()} is damaged and was skipped ({d.Problem})"));
        int auditImported = repository.Catalog.ImportAudit(audit.Records);
        repository.WriteMissingSnapshotFiles();
        if (repository.Config.IsCurrent) AuditSync.Run(repository);
        int fetched = 0;
        if (options.AllPacks) fetched = await FetchPacksAsync(repository, store, options, problems, cancellationToken);
        return new RecoverReport(created, imported, auditImported, repository.Catalog.Snapshots().Count, fetched, remote.CatalogPacks.Count, problems);
    }

    /// <summary>The key files, after checking that the password opens one of them: a wrong password writes nothing.</summary>
    private static async Task<List<(string Name, byte[] Bytes)>> FetchKeysAsync(IObjectStore store, RepositoryConfig config, Func<string> password,
        CancellationToken cancellationToken)
    {
        var keys = new List<(string Name, byte[] Bytes)>();
        await foreach (var (key, _) in store.ListAsync(RemoteLayout.KeysPrefix, cancellationToken))
        {
            string name = key[RemoteLayout.KeysPrefix.Length..];
            if (name.Contains('/') || !name.EndsWith(".json", StringComparison.Ordinal) || name.StartsWith('.')) continue;
            keys.Add((name, await store.GetAsync(key, cancellationToken)));
        }
        if (!config.Encrypted) return keys;
        if (keys.Count == 0) throw new CorruptDataException("the bucket's repository is encrypted but has no key files");
        // A key file that does not parse is skipped like one that does not open; it is reported only if none opens.
        var parsed = new List<KeyFile>();
        CorruptDataException? unreadable = null;
        foreach (var (name, bytes) in keys)
        {
            try { parsed.Add(KeyFile.Parse(bytes, name)); }
            catch (CorruptDataException e) { unreadable = e; }
        }
        try { KeyStore.OpenAny(parsed, password(), config.Id); }
        catch (WrongPasswordException) when (unreadable is not null) { throw unreadable; }
        return keys;
    }

    /// <summary>Fetches every pack missing (or of the wrong size) locally; each must hash to its name and parse.</summary>
    public static async Task<int> FetchPacksAsync(Repository.IMirrorRepository repository, IObjectStore store, RecoverOptions options, List<string> problems,
        CancellationToken cancellationToken)
    {
        var wanted = repository.PackLengths()
            .Where(p => !repository.PackExists(p.Pack) || repository.PackLength(p.Pack) != p.Length).ToList();
        options.OnTotal?.Invoke(wanted.Sum(p => p.Length));
        int fetched = 0;
        await Parallel.ForEachAsync(wanted, new ParallelOptions { MaxDegreeOfParallelism = options.Parallel, CancellationToken = cancellationToken }, async (p, ct) =>
        {
            try
            {
                await FetchPackAsync(repository, store, p.Pack, verifyBlocks: true, ct);
                Interlocked.Increment(ref fetched);
            }
            catch (Exception e) when (e is CorruptDataException or ObjectNotFoundException)
            {
                lock (problems) problems.Add($"pack {p.Pack.ToShortString()} could not be fetched: {e.Message}");
            }
            options.OnProgress?.Invoke(p.Length);
        });
        return fetched;
    }

    /// <summary>Downloads one pack, verifies it (name hash and trailer; with <paramref name="verifyBlocks"/> also every
    /// block) and writes it durably in place of the local copy, which stays as it was when that fails. A restore
    /// skips the block pass: it verifies each block as it reads it anyway. A repository that cannot take the pack
    /// (a full disk) is a <see cref="RepositoryWriteException"/>: every later pack would fail the same way.</summary>
    public static async Task FetchPackAsync(Repository.IMirrorRepository repository, IObjectStore store, BlockId pack, bool verifyBlocks,
        CancellationToken cancellationToken)
    {
        var bytes = await store.GetAsync(RemoteLayout.Pack(pack), cancellationToken);
        try { repository.VerifyPack(bytes, pack, verifyBlocks); }
        catch (CorruptDataException e) { throw new CorruptDataException($"the bucket's copy is damaged ({e.Message})", e); }
        repository.PutPack(pack, bytes);
    }
}
