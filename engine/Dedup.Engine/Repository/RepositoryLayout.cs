namespace Dedup.Repository;

/// <summary>Where each part of a repository lives under its root directory (docs/format.md, "Layout").</summary>
public sealed class RepositoryLayout(string root)
{
    public string Root { get; } = Path.GetFullPath(root);
    public string ConfigPath => Path.Combine(Root, "config.json");
    public string CatalogPath => Path.Combine(Root, "catalog.db");
    public string PacksDirectory => Path.Combine(Root, "packs");
    public string TempDirectory => Path.Combine(Root, "tmp");
    /// <summary>The block index's runs and manifest: a cache of the catalog (ADR 0007).</summary>
    public string IndexDirectory => Path.Combine(Root, "index");
    /// <summary>Format 2: one sealed record per snapshot, named by its id.</summary>
    public string SnapshotsDirectory => Path.Combine(Root, "snapshots");
    public string AuditDirectory => Path.Combine(Root, "audit");
    public string KeysDirectory => Path.Combine(Root, "keys");
    public string LockPath => Path.Combine(Root, "lock");
    public string LockOwnerPath => Path.Combine(Root, "lock.owner");
    /// <summary>The mirror remotes (names and locations; never credentials).</summary>
    public string RemotesPath => Path.Combine(Root, "remotes.json");
    /// <summary>Copies of remote catalog segments (Mirror.SegmentCacheStore); deleting it only costs downloads.</summary>
    public string SegmentCacheDirectory => Path.Combine(Root, "cache", "segments");

    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Makes a new repository's directories for its owner alone (0700, restic's choice): key files and the
    /// catalog are nobody else's business. Modes of a directory that already exists are left as they are.</summary>
    public void CreateDirectories()
    {
        Directory.CreateDirectory(Root, OwnerOnlyDirectory);
        Directory.CreateDirectory(PacksDirectory, OwnerOnlyDirectory);
        Directory.CreateDirectory(TempDirectory, OwnerOnlyDirectory);
        Directory.CreateDirectory(SnapshotsDirectory, OwnerOnlyDirectory);
        Directory.CreateDirectory(AuditDirectory, OwnerOnlyDirectory);
    }

    /// <summary>Gives the files of a just-created repository mode 0600. Open never changes modes, so a group that
    /// was given read access later keeps it.</summary>
    public void RestrictFiles()
    {
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
            File.SetUnixFileMode(file, OwnerOnlyFile);
        foreach (var directory in Directory.EnumerateDirectories(Root, "*", SearchOption.AllDirectories))
            File.SetUnixFileMode(directory, OwnerOnlyDirectory);
    }
}
