using System.Runtime.CompilerServices;
using Dedup.Core;
using Minio;
using Minio.DataModel.Args;

namespace Dedup.Storage.S3;

/// <summary>An <see cref="IObjectStore"/> on an S3-compatible bucket (MinIO in production), through the Minio SDK,
/// path-style, http or https. Keys live under an optional prefix. Every request has a timeout: the SDK's default is 30 minutes.</summary>
public sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private readonly IMinioClient _client;
    private readonly string _bucket, _prefix;

    public S3ObjectStore(Uri endpoint, string bucket, string prefix, string accessKey, string secretKey, string? region = null, TimeSpan? timeout = null)
    {
        _bucket = bucket;
        _prefix = prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";
        var client = new MinioClient()
            .WithEndpoint(endpoint.Host, endpoint.Port)
            .WithSSL(endpoint.Scheme == Uri.UriSchemeHttps)
            .WithCredentials(accessKey, secretKey)
            .WithTimeout((int)(timeout ?? TimeSpan.FromSeconds(60)).TotalMilliseconds)
            .WithHttpClient(new HttpClient(new HeadPartialContentFix()));
        if (!string.IsNullOrEmpty(region)) client = client.WithRegion(region);
        _client = client.Build();
    }

    /// <summary>Creates the bucket when it does not exist (for tests and first use).</summary>
    public async Task EnsureBucketAsync(CancellationToken cancellationToken)
    {
        if (!await _client.BucketExistsAsync(new BucketExistsArgs().WithBucket(_bucket), cancellationToken))
            await _client.MakeBucketAsync(new MakeBucketArgs().WithBucket(_bucket), cancellationToken);
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(content.ToArray(), writable: false);
        await _client.PutObjectAsync(new PutObjectArgs().WithBucket(_bucket).WithObject(_prefix + key)
            .WithStreamData(stream).WithObjectSize(content.Length).WithContentType("application/octet-stream"), cancellationToken);
    }

    public Task<byte[]> GetAsync(string key, CancellationToken cancellationToken) =>
        ReadAsync(key, new GetObjectArgs(), cancellationToken);

    public async Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken)
    {
        // The SDK fails obscurely on a range past the end: check it against the object's size first.
        long size = await StatAsync(key, cancellationToken) ?? throw new ObjectNotFoundException(key);
        if (offset < 0 || length < 0 || offset + length > size)
            throw new ArgumentOutOfRangeException(nameof(offset), $"range {offset}+{length} is outside object {key} of {size} bytes");
        if (length == 0) return [];
        var bytes = await ReadAsync(key, new GetObjectArgs().WithOffsetAndLength(offset, length), cancellationToken);
        if (bytes.Length != length) throw new IOException($"object {key}: asked for {length} bytes at {offset}, got {bytes.Length}");
        return bytes;
    }

    private async Task<byte[]> ReadAsync(string key, GetObjectArgs args, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        try
        {
            await _client.GetObjectAsync(args.WithBucket(_bucket).WithObject(_prefix + key)
                .WithCallbackStream(async (stream, ct) => await stream.CopyToAsync(buffer, ct)), cancellationToken);
        }
        catch (Minio.Exceptions.ObjectNotFoundException) { throw new ObjectNotFoundException(key); }
        return buffer.ToArray();
    }

    public async Task<long?> StatAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var stat = await _client.StatObjectAsync(new StatObjectArgs().WithBucket(_bucket).WithObject(_prefix + key), cancellationToken);
            return stat.Size;
        }
        catch (Minio.Exceptions.ObjectNotFoundException) { return null; }
    }

    public async IAsyncEnumerable<(string Key, long Size)> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // ListObjectsV2 (the SDK's default) pages past 1,000 keys; V1 would stop there.
        var args = new ListObjectsArgs().WithBucket(_bucket).WithPrefix(_prefix + prefix).WithRecursive(true);
        await foreach (var item in _client.ListObjectsEnumAsync(args, cancellationToken))
            yield return (item.Key[_prefix.Length..], (long)item.Size);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        await _client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(_bucket).WithObject(_prefix + key), cancellationToken);

    public void Dispose() => (_client as IDisposable)?.Dispose();
}
