using System.Runtime.CompilerServices;
using Dedup.Core;
using Dedup.Storage;

namespace Dedup.Mirror;

/// <summary>
/// Keeps the bucket's catalog segments in a local directory, so a push or a status reads from the bucket only the
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
        if (!RemoteLayout.TryParseSegment(key, out var segment)) return await inner.GetAsync(key, cancellationToken);
        if (TryRead(segment) is { } cached) return cached;
        var bytes = await inner.GetAsync(key, cancellationToken);
        if (BlockId.Hash(bytes) == segment) TryWrite(segment, bytes); // a damaged one is returned as is, for the caller to report
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
            if (RemoteLayout.TryParseSegment(item.Key, out var segment)) listed.Add(segment.ToString());
            yield return item;
        }
        // Only a complete listing of the whole catalog says which segments are gone.
        if (prefix == RemoteLayout.CatalogPrefix && Directory.Exists(directory))
            foreach (var path in Directory.EnumerateFiles(directory))
                if (!listed.Contains(Path.GetFileName(path))) TryDelete(path);
    }

    public Task<long> GetToAsync(string key, Stream destination, CancellationToken cancellationToken) => inner.GetToAsync(key, destination, cancellationToken);
    public Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken) => inner.GetRangeAsync(key, offset, length, cancellationToken);
    public Task<long?> StatAsync(string key, CancellationToken cancellationToken) => inner.StatAsync(key, cancellationToken);

    private string PathOf(BlockId segment) => Path.Combine(directory, segment.ToString());

    private void Forget(string key)
    {
        if (RemoteLayout.TryParseSegment(key, out var segment)) TryDelete(PathOf(segment));
    }

    // The cache is an optimisation: a copy it cannot read, write or delete costs a download, never the command.

    private byte[]? TryRead(BlockId segment)
    {
        try
        {
            var cached = File.ReadAllBytes(PathOf(segment));
            if (BlockId.Hash(cached) == segment) return cached;
            TryDelete(PathOf(segment));
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>Temp file and rename: a reader never sees half a segment. No fsync: a copy lost in a crash is
    /// fetched again, and one damaged is caught by its hash.</summary>
    private void TryWrite(BlockId segment, byte[] bytes)
    {
        string path = PathOf(segment), temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            Directory.CreateDirectory(directory);
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
