namespace Dedup.Repository;

/// <summary>Where each part of a repository lives under its root directory (docs/format.md, "Layout").</summary>
public sealed class RepositoryLayout(string root)
{
    public string Root { get; } = Path.GetFullPath(root);
    public string ConfigPath => Path.Combine(Root, "config.json");
    public string CatalogPath => Path.Combine(Root, "catalog.db");
    public string PacksDirectory => Path.Combine(Root, "packs");
    public string TempDirectory => Path.Combine(Root, "tmp");
    public string KeysDirectory => Path.Combine(Root, "keys");
    public string LockPath => Path.Combine(Root, "lock");
    public string LockOwnerPath => Path.Combine(Root, "lock.owner");
    /// <summary>The mirror remotes (names and locations; never credentials).</summary>
    public string RemotesPath => Path.Combine(Root, "remotes.json");
    /// <summary>Copies of remote catalog segments (Mirror.SegmentCacheStore); deleting it only costs downloads.</summary>
    public string SegmentCacheDirectory => Path.Combine(Root, "cache", "segments");
}
