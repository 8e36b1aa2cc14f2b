using Dedup.Core;

namespace Dedup.Storage;

/// <summary>
/// Immutable named objects in a flat key space: what a mirror needs of a bucket (put, get, get a byte range,
/// stat, list by prefix, delete). Implementations: <see cref="MemoryObjectStore"/> for tests; an S3 one for the
/// mirror. Every implementation passes the same conformance suite (tests/Storage/ObjectStoreConformance.cs).
/// </summary>
public interface IObjectStore
{
    /// <summary>Stores (or replaces) an object; complete when the task completes.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>The whole object. Throws <see cref="ObjectNotFoundException"/> when it does not exist.</summary>
    Task<byte[]> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Streams the whole object into <paramref name="destination"/> (e.g. a hasher) without holding it in memory;
    /// returns its length. Throws <see cref="ObjectNotFoundException"/> when it does not exist.</summary>
    Task<long> GetToAsync(string key, Stream destination, CancellationToken cancellationToken);

    /// <summary>Exactly <paramref name="length"/> bytes at <paramref name="offset"/>; a range past the end throws
    /// <see cref="ArgumentOutOfRangeException"/>, a missing object <see cref="ObjectNotFoundException"/>.</summary>
    Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken);

    /// <summary>The object's size, or null when it does not exist.</summary>
    Task<long?> StatAsync(string key, CancellationToken cancellationToken);

    /// <summary>Every object whose key starts with <paramref name="prefix"/>, in key order.</summary>
    IAsyncEnumerable<(string Key, long Size)> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Removes an object; removing a missing one is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

public sealed class ObjectNotFoundException(string key) : DedupException($"object {key} does not exist")
{
    public string Key { get; } = key;
}
