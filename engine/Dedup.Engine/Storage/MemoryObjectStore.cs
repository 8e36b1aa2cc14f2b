using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Dedup.Storage;

/// <summary>An <see cref="IObjectStore"/> in memory, for unit tests. Thread safe.</summary>
public sealed class MemoryObjectStore : IObjectStore
{
    private readonly ConcurrentDictionary<string, byte[]> _objects = new(StringComparer.Ordinal);

    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _objects[key] = content.ToArray();
        return Task.CompletedTask;
    }

    public Task<byte[]> GetAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_objects.TryGetValue(key, out var bytes) ? bytes.ToArray() : throw new ObjectNotFoundException(key));

    public async Task<long> GetToAsync(string key, Stream destination, CancellationToken cancellationToken)
    {
        var bytes = _objects.TryGetValue(key, out var stored) ? stored : throw new ObjectNotFoundException(key);
        await destination.WriteAsync(bytes, cancellationToken);
        return bytes.Length;
    }

    public Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken)
    {
        if (!_objects.TryGetValue(key, out var bytes)) throw new ObjectNotFoundException(key);
        if (offset < 0 || length < 0 || offset + length > bytes.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"range {offset}+{length} is outside object {key} of {bytes.Length} bytes");
        return Task.FromResult(bytes.AsSpan((int)offset, length).ToArray());
    }

    public Task<long?> StatAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_objects.TryGetValue(key, out var bytes) ? (long?)bytes.Length : null);

    public async IAsyncEnumerable<(string Key, long Size)> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var key in _objects.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_objects.TryGetValue(key, out var bytes)) yield return (key, bytes.Length);
        }
        await Task.CompletedTask;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        _objects.TryRemove(key, out _);
        return Task.CompletedTask;
    }
}
