using System.Runtime.CompilerServices;
using Dedup.Core;
using Dedup.Storage;

namespace Dedup.Mirror;

/// <summary>
/// Keeps the bucket's catalog segments (and the audit log's, in audit/ under it) in a local directory, so a push or a status reads from the bucket only the
/// segments it has not seen: every command that reads the remote catalog used to download all of it, which grows
/// with every push. Segments are immutable and named by the SHA-256 of their bytes, so a cached copy is used only
/// when it still hashes to its name (a damaged one is dropped and fetched again, never reported as the bucket's
/// damage). A put or delete of a segment drops its copy first: the read-back that verifies an upload must come
/// from the server. Listing the catalog drops copies of segments the bucket no longer has.
/// Everything else passes through. Commands that judge the bucket's own state (check --remote, repair) do not use it.
/// </summary>
public sealed class SegmentCacheStore(IObjectStore inner, string directory) : IObjectStore
{
    public async Task<byte[]> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (!TryPathOf(key, out var segment, out string path)) return await inner.GetAsync(key, cancellationToken);
        if (TryRead(segment, path) is { } cached) return cached;
        var bytes = await inner.GetAsync(key, cancellationToken);
        if (BlockId.Hash(bytes) == segment) TryWrite(path, bytes); // a damaged one is returned as is, for the caller to report
        return bytes;
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        Forget(key);
        await inner.PutAsync(key, content, cancellationToken);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        Forget(key);
        await inner.DeleteAsync(key, cancellationToken);
    }

    public async IAsyncEnumerable<(string Key, long Size)> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var listed = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in inner.ListAsync(prefix, cancellationToken))
        {
            if (TryPathOf(item.Key, out _, out string path)) listed.Add(path);
            yield return item;
        }
        // Only a complete listing of the whole catalog (or audit log) says which segments are gone.
        string? cached = prefix == RemoteLayout.CatalogPrefix ? directory : prefix == RemoteLayout.AuditPrefix ? AuditDirectory : null;
        if (cached is not null && Directory.Exists(cached))
            foreach (var path in Directory.EnumerateFiles(cached))
                if (!listed.Contains(path)) TryDelete(path);
    }

    public Task<long> GetToAsync(string key, Stream destination, CancellationToken cancellationToken) => inner.GetToAsync(key, destination, cancellationToken);
    public Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken) => inner.GetRangeAsync(key, offset, length, cancellationToken);
    public Task<long?> StatAsync(string key, CancellationToken cancellationToken) => inner.StatAsync(key, cancellationToken);

    /// <summary>The audit log's segments, in a directory of their own: a listing of catalog/ must not drop them.</summary>
    private string AuditDirectory => Path.Combine(directory, "audit");

    /// <summary>Where the copy of a catalog or audit segment is kept; false for any other key.</summary>
    private bool TryPathOf(string key, out BlockId segment, out string path)
    {
        if (RemoteLayout.TryParseSegment(key, out segment)) path = Path.Combine(directory, segment.ToString());
        else if (RemoteLayout.TryParseAuditSegment(key, out segment)) path = Path.Combine(AuditDirectory, segment.ToString());
        else path = "";
        return path.Length > 0;
    }

    private void Forget(string key)
    {
        if (TryPathOf(key, out _, out string path)) TryDelete(path);
    }

    // The cache is an optimisation: a copy it cannot read, write or delete costs a download, never the command.

    private static byte[]? TryRead(BlockId segment, string path)
    {
        try
        {
            var cached = File.ReadAllBytes(path);
            if (BlockId.Hash(cached) == segment) return cached;
            TryDelete(path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>Temp file and rename: a reader never sees half a segment. No fsync: a copy lost in a crash is
    /// fetched again, and one damaged is caught by its hash.</summary>
    private static void TryWrite(string path, byte[] bytes)
    {
        string temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { TryDelete(temp); }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
