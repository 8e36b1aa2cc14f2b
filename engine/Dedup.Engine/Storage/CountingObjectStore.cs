using System.Runtime.CompilerServices;

namespace Dedup.Storage;

/// <summary>Counts what crosses the wire: bytes and requests each way. Commands report it; tests assert on it.</summary>
public sealed class CountingObjectStore(IObjectStore inner) : IObjectStore
{
    private long _bytesDown, _bytesUp, _requests;

    public long BytesDownloaded => Interlocked.Read(ref _bytesDown);
    public long BytesUploaded => Interlocked.Read(ref _bytesUp);
    public long Requests => Interlocked.Read(ref _requests);

    public async Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        await inner.PutAsync(key, content, cancellationToken);
        Interlocked.Add(ref _bytesUp, content.Length);
    }

    public async Task<byte[]> GetAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        var bytes = await inner.GetAsync(key, cancellationToken);
        Interlocked.Add(ref _bytesDown, bytes.Length);
        return bytes;
    }

    public async Task<long> GetToAsync(string key, Stream destination, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        long length = await inner.GetToAsync(key, destination, cancellationToken);
        Interlocked.Add(ref _bytesDown, length);
        return length;
    }

    public async Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        var bytes = await inner.GetRangeAsync(key, offset, length, cancellationToken);
        Interlocked.Add(ref _bytesDown, bytes.Length);
        return bytes;
    }

    public Task<long?> StatAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        return inner.StatAsync(key, cancellationToken);
    }

    public async IAsyncEnumerable<(string Key, long Size)> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        await foreach (var item in inner.ListAsync(prefix, cancellationToken)) yield return item;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        return inner.DeleteAsync(key, cancellationToken);
    }
}
