using System.Runtime.CompilerServices;

namespace Dedup.Storage;

/// <summary>How long to keep trying a remote: attempts and the backoff between them (doubling, with jitter).</summary>
public sealed record RetryPolicy(int Attempts, TimeSpan FirstDelay, TimeSpan MaxDelay)
{
    public static RetryPolicy Default { get; } = new(5, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(8));

    public TimeSpan DelayBefore(int attempt)
    {
        double ms = Math.Min(MaxDelay.TotalMilliseconds, FirstDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(ms * (0.5 + Random.Shared.NextDouble() / 2));
    }
}

/// <summary>
/// Retries transient failures (<see cref="RemoteException.Transient"/>) of another store with backoff, then gives up
/// with one line naming the remote, the operation and the last cause. Safe because every operation is idempotent:
/// objects are immutable and named by content (or, for config and keys, rewritten whole).
/// </summary>
public sealed class RetryingObjectStore(IObjectStore inner, string remoteName, RetryPolicy policy) : IObjectStore
{
    private async Task<T> Run<T>(string what, Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try { return await operation(); }
            catch (RemoteException e) when (e.Transient && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= policy.Attempts)
                    throw new RemoteException($"remote {remoteName}: {what} failed after {attempt} attempts: {e.Message}", transient: true, e);
                await Task.Delay(policy.DelayBefore(attempt), cancellationToken);
            }
            catch (RemoteException e) when (!e.Transient)
            {
                throw new RemoteException($"remote {remoteName}: {e.Message}", transient: false, e);
            }
        }
    }

    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        Run($"upload of {key}", async () => { await inner.PutAsync(key, content, cancellationToken); return true; }, cancellationToken);

    public Task<byte[]> GetAsync(string key, CancellationToken cancellationToken) =>
        Run($"download of {key}", () => inner.GetAsync(key, cancellationToken), cancellationToken);

    /// <summary>A retry starts the object over, so the destination must be able to start over too: a
    /// <see cref="Sha256Sink"/> or a seekable stream. Any other destination gets one attempt.</summary>
    public Task<long> GetToAsync(string key, Stream destination, CancellationToken cancellationToken)
    {
        if (destination is not Sha256Sink && !destination.CanSeek) return inner.GetToAsync(key, destination, cancellationToken);
        return Run($"download of {key}", () =>
        {
            if (destination is Sha256Sink sink) sink.Restart();
            else { destination.Position = 0; destination.SetLength(0); }
            return inner.GetToAsync(key, destination, cancellationToken);
        }, cancellationToken);
    }

    public Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken) =>
        Run($"download of {key}", () => inner.GetRangeAsync(key, offset, length, cancellationToken), cancellationToken);

    public Task<long?> StatAsync(string key, CancellationToken cancellationToken) =>
        Run($"stat of {key}", () => inner.StatAsync(key, cancellationToken), cancellationToken);

    /// <summary>A listing is retried as a whole (collected first): a half-read listing is not resumable.</summary>
    public async IAsyncEnumerable<(string Key, long Size)> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var items = await Run($"listing of {(prefix.Length == 0 ? "the bucket" : prefix)}", async () =>
        {
            var list = new List<(string, long)>();
            await foreach (var item in inner.ListAsync(prefix, cancellationToken)) list.Add(item);
            return list;
        }, cancellationToken);
        foreach (var item in items) yield return item;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        Run($"delete of {key}", async () => { await inner.DeleteAsync(key, cancellationToken); return true; }, cancellationToken);
}
