using System.CommandLine;
using Dedup.Core;
using Dedup.Mirror;
using Dedup.Repository;
using Dedup.Storage;
using Dedup.Storage.S3;

namespace Dedup.Cli;

/// <summary>A connection to a remote as commands use it: retries outside, a byte counter inside (so retried
/// transfers count), the S3 store at the bottom.</summary>
public sealed class RemoteConnection(RemoteDefinition definition, IObjectStore store, CountingObjectStore counter, S3ObjectStore s3) : IDisposable
{
    public RemoteDefinition Definition { get; } = definition;
    public IObjectStore Store { get; } = store;
    public CountingObjectStore Counter { get; } = counter;
    public Task EnsureBucketAsync(CancellationToken cancellationToken) => s3.EnsureBucketAsync(cancellationToken);
    public Task<bool> BucketExistsAsync(CancellationToken cancellationToken) => s3.BucketExistsAsync(cancellationToken);
    public void Dispose() => s3.Dispose();
}

/// <summary>Resolves --remote (a name from remotes.json, or a location s3:http://host:port/bucket/prefix) and connects.
/// Credentials come from the environment only; the request timeout and retry count may be tuned there too.</summary>
public static class Remotes
{
    public static RemoteRegistry Registry(CliContext context)
    {
        var layout = new RepositoryLayout(context.RepositoryPath);
        return new RemoteRegistry(layout.RemotesPath, layout.TempDirectory);
    }

    public static RemoteDefinition Resolve(CliContext context, string? nameOrLocation) =>
        nameOrLocation is not null && RemoteDefinition.IsLocation(nameOrLocation)
            ? RemoteDefinition.ParseLocation(nameOrLocation, "location")
            : Registry(context).Resolve(nameOrLocation);

    /// <summary>Connects with the bucket's catalog segments cached in the repository (cache/segments/, one directory
    /// per bucket and prefix), for commands that read the remote catalog to act on it: push, status, restore,
    /// verify, run, prune. check --remote and repair judge the bucket itself and read all of it.</summary>
    public static RemoteConnection ConnectCached(CliContext context, RemoteDefinition remote)
    {
        string name = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(remote.Location)))[..16];
        return Connect(remote, Path.Combine(new RepositoryLayout(context.RepositoryPath).SegmentCacheDirectory, name));
    }

    public static RemoteConnection Connect(RemoteDefinition remote, string? segmentCache = null)
    {
        string access = Env("DEDUP_S3_ACCESS_KEY") ?? Env("AWS_ACCESS_KEY_ID")
            ?? throw new DedupException($"no credentials for remote {remote.Name}: set DEDUP_S3_ACCESS_KEY and DEDUP_S3_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
        string secret = Env("DEDUP_S3_SECRET_KEY") ?? Env("AWS_SECRET_ACCESS_KEY")
            ?? throw new DedupException($"no secret key for remote {remote.Name}: set DEDUP_S3_SECRET_KEY (or AWS_SECRET_ACCESS_KEY)");
        var timeout = Env("DEDUP_S3_TIMEOUT") is { } t ? Durations.Parse(t) : TimeSpan.FromSeconds(60);
        int attempts = Env("DEDUP_S3_RETRIES") is { } r && int.TryParse(r, out int n) && n >= 0 ? n + 1 : RetryPolicy.Default.Attempts;
        var s3 = new S3ObjectStore(new Uri(remote.Endpoint), remote.Bucket, remote.Prefix, access, secret, remote.Region, timeout);
        var counter = new CountingObjectStore(s3);
        var retrying = new RetryingObjectStore(counter, remote.Name, RetryPolicy.Default with { Attempts = attempts });
        IObjectStore store = segmentCache is null ? retrying : new SegmentCacheStore(retrying, segmentCache);
        return new RemoteConnection(remote, store, counter, s3);
    }

    /// <summary>The remote that holds what the repository lacks when no --remote is named: the first in remotes.json
    /// (recover registers the bucket it recovered from), or null when there is none.</summary>
    public static RemoteDefinition? Default(CliContext context) => Registry(context).List().FirstOrDefault();

    /// <summary>The remote restore and verify read blocks from: the one named; else, when packs the catalog lists are
    /// not here (after a catalog-only recover), the repository's remote (<see cref="Default"/>); else none. A remote
    /// that cannot be used (no credentials) is a warning: blocks whose packs are here still restore.</summary>
    public static RemoteConnection? ForReading(CliContext context, Repository.LocalRepository repository, string? named)
    {
        if (named is not null) return ConnectCached(context, Resolve(context, named));
        if (!MirroredPacks.Needed(repository) || Default(context) is not { } remote) return null;
        try
        {
            var connection = ConnectCached(context, remote);
            context.Info($"packs that are not here are read from {remote.Name} ({remote.Location})");
            return connection;
        }
        catch (DedupException e)
        {
            Console.Error.WriteLine($"warning: packs are missing here and {remote.Name} cannot be used: {e.Message}");
            return null;
        }
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    public static Option<int> ParallelOption() => new("--parallel")
    {
        Description = "transfers in flight at once (default 4)",
        DefaultValueFactory = _ => 4,
        Validators = { r => { if (r.GetValueOrDefault<int>() is < 1 or > 64) r.AddError("--parallel must be between 1 and 64"); } },
    };
}
