using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Dedup.Core;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;
using ObjectNotFoundException = Dedup.Storage.ObjectNotFoundException;

namespace Dedup.Storage.S3;

/// <summary>An <see cref="IObjectStore"/> on an S3-compatible bucket (MinIO in production), through the Minio SDK,
/// path-style, http or https. Keys live under an optional prefix. Every request has a timeout: the SDK's default is 30 minutes.</summary>
public sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private readonly IMinioClient _client;
    private readonly HttpClient _http;
    private readonly string _bucket, _prefix, _endpoint;
    private readonly TimeSpan _timeout;
    // Sizes seen by stat, list or put: a range check needs no extra request for an object already known.
    private readonly ConcurrentDictionary<string, long> _sizes = new(StringComparer.Ordinal);

    public S3ObjectStore(Uri endpoint, string bucket, string prefix, string accessKey, string secretKey, string? region = null, TimeSpan? timeout = null)
    {
        _bucket = bucket;
        _endpoint = endpoint.GetLeftPart(UriPartial.Authority);
        _timeout = timeout ?? TimeSpan.FromSeconds(60);
        _prefix = prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";
        var client = new MinioClient()
            .WithEndpoint(endpoint.Host, endpoint.Port)
            .WithSSL(endpoint.Scheme == Uri.UriSchemeHttps)
            .WithCredentials(accessKey, secretKey)
            .WithTimeout((int)_timeout.TotalMilliseconds)
            .WithHttpClient(_http = new HttpClient(new SdkResponseFixes()));
        if (!string.IsNullOrEmpty(region)) client = client.WithRegion(region);
        _client = client.Build();
    }

    /// <summary>Creates the bucket when it does not exist (for tests and first use).</summary>
    /// <summary>Whether the bucket exists; a server that cannot be reached or refuses the keys raises
    /// <see cref="RemoteException"/>. A one-key listing follows, since some servers answer "exists" to keys that
    /// may not read the bucket.</summary>
    public Task<bool> BucketExistsAsync(CancellationToken cancellationToken) => Translate("bucket", async () =>
    {
        using var deadline = Deadline(cancellationToken);
        if (!await _client.BucketExistsAsync(new BucketExistsArgs().WithBucket(_bucket), deadline.Token)) return false;
        await foreach (var _ in ListAsync("", deadline.Token)) break;
        return true;
    }, cancellationToken);

    public Task EnsureBucketAsync(CancellationToken cancellationToken) => Translate("bucket", async () =>
    {
        if (!await _client.BucketExistsAsync(new BucketExistsArgs().WithBucket(_bucket), cancellationToken))
            await _client.MakeBucketAsync(new MakeBucketArgs().WithBucket(_bucket), cancellationToken);
        return true;
    }, cancellationToken);

    /// <summary>
    /// One signed PUT of the whole object, sent by this store: the SDK turns anything from 5 MiB into a multipart
    /// upload (three requests) and copies each part into a buffer of its own. S3 takes single PUTs up to 5 GB;
    /// packs are 16 MiB. No Content-MD5: the mirror reads every object it writes back and checks it (packs and
    /// segments against their SHA-256 names), which catches a body damaged on the way too, and the MD5 was
    /// ~0.8 s of CPU per 550 MB pushed on a machine where the S3 server itself is CPU-bound (bench/README.md).
    /// </summary>
    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => Translate(key, async () =>
    {
        _sizes.TryRemove(key, out _);
        string url = await _client.PresignedPutObjectAsync(new PresignedPutObjectArgs().WithBucket(_bucket).WithObject(_prefix + key).WithExpiry(3600));
        using var request = new HttpRequestMessage(HttpMethod.Put, url);
        request.Content = MemoryMarshal.TryGetArray(content, out var segment)
            ? new ByteArrayContent(segment.Array!, segment.Offset, segment.Count)
            : new ByteArrayContent(content.ToArray());
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var timeout = Deadline(cancellationToken);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if (!response.IsSuccessStatusCode) throw FailureOf(response, await response.Content.ReadAsStringAsync(timeout.Token), "PUT", key, null);
        return true;
    }, cancellationToken);

    public Task<byte[]> GetAsync(string key, CancellationToken cancellationToken) => ReadAsync(key, null, cancellationToken);

    public Task<long> GetToAsync(string key, Stream destination, CancellationToken cancellationToken) => Translate(key, async () =>
    {
        using var timeout = Deadline(cancellationToken);
        using var response = await SendGetAsync(key, null, timeout.Token);
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
        long copied = 0;
        var buffer = new byte[81920];
        int n;
        while ((n = await body.ReadAsync(buffer, timeout.Token)) > 0)
        {
            await destination.WriteAsync(buffer.AsMemory(0, n), timeout.Token);
            copied += n;
        }
        return copied;
    }, cancellationToken);

    public async Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken)
    {
        if (offset < 0 || length < 0) throw new ArgumentOutOfRangeException(nameof(offset), $"range {offset}+{length} is invalid");
        if (_sizes.TryGetValue(key, out long size) && offset + length > size)
            throw new ArgumentOutOfRangeException(nameof(offset), $"range {offset}+{length} is outside object {key} of {size} bytes");
        if (length == 0)
        {
            if (await StatAsync(key, cancellationToken) is not { } known) throw new ObjectNotFoundException(key);
            if (offset > known) throw new ArgumentOutOfRangeException(nameof(offset), $"range {offset}+0 is outside object {key} of {known} bytes");
            return [];
        }
        var bytes = await ReadAsync(key, new RangeHeaderValue(offset, offset + length - 1), cancellationToken);
        if (bytes.Length != length) throw new ArgumentOutOfRangeException(nameof(offset), $"range {offset}+{length} is outside object {key} ({bytes.Length} bytes came back)");
        return bytes;
    }

    /// <summary>
    /// One signed GET per read, sent by this store rather than the SDK: the SDK's GetObject first sends a HEAD to
    /// the bucket, a HEAD to the object and (for ranges) a HEAD with the range, which made a ranged read four
    /// round trips. Presigning is local computation; the request carries its signature in the URL.
    /// </summary>
    private Task<byte[]> ReadAsync(string key, RangeHeaderValue? range, CancellationToken cancellationToken) => Translate(key, async () =>
    {
        using var timeout = Deadline(cancellationToken);
        using var response = await SendGetAsync(key, range, timeout.Token);
        return await response.Content.ReadAsByteArrayAsync(timeout.Token);
    }, cancellationToken);

    /// <summary>The signed GET; a failure answer becomes the exception it means.</summary>
    private async Task<HttpResponseMessage> SendGetAsync(string key, RangeHeaderValue? range, CancellationToken cancellationToken)
    {
        string url = await _client.PresignedGetObjectAsync(new PresignedGetObjectArgs().WithBucket(_bucket).WithObject(_prefix + key).WithExpiry(3600));
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (range is not null) request.Headers.Range = range;
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.IsSuccessStatusCode) return response;
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        response.Dispose();
        throw FailureOf(response, body, "GET", key, range);
    }

    private Exception FailureOf(HttpResponseMessage response, string body, string method, string key, RangeHeaderValue? range) =>
        response.StatusCode switch
        {
            HttpStatusCode.NotFound when body.Contains("<Code>NoSuchBucket</Code>", StringComparison.Ordinal) =>
                new RemoteException($"bucket {_bucket} does not exist at {_endpoint}", false),
            HttpStatusCode.NotFound => new ObjectNotFoundException(key),
            HttpStatusCode.RequestedRangeNotSatisfiable => new ArgumentOutOfRangeException(nameof(range), $"range {range} is outside object {key}"),
            HttpStatusCode.Forbidden => new RemoteException($"access denied to bucket {_bucket} at {_endpoint} (check DEDUP_S3_ACCESS_KEY and DEDUP_S3_SECRET_KEY)", false),
            _ => new RemoteException($"{_endpoint} answered {(int)response.StatusCode} {response.ReasonPhrase} to a {method} of {key}", true),
        };

    public async Task<long?> StatAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var stat = await Translate(key, () => _client.StatObjectAsync(new StatObjectArgs().WithBucket(_bucket).WithObject(_prefix + key), cancellationToken), cancellationToken);
            _sizes[key] = stat.Size;
            return stat.Size;
        }
        catch (ObjectNotFoundException)
        {
            _sizes.TryRemove(key, out _);
            return null;
        }
    }

    public async IAsyncEnumerable<(string Key, long Size)> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // ListObjectsV2 (the SDK's default) pages past 1,000 keys; V1 would stop there.
        var args = new ListObjectsArgs().WithBucket(_bucket).WithPrefix(_prefix + prefix).WithRecursive(true);
        var items = _client.ListObjectsEnumAsync(args, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (await Translate(prefix, async () => await items.MoveNextAsync(), cancellationToken))
            {
                string key = items.Current.Key[_prefix.Length..];
                _sizes[key] = (long)items.Current.Size;
                yield return (key, (long)items.Current.Size);
            }
        }
        finally { await items.DisposeAsync(); }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => Translate(key, async () =>
    {
        _sizes.TryRemove(key, out _);
        await _client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(_bucket).WithObject(_prefix + key), cancellationToken);
        return true;
    }, cancellationToken);

    /// <summary>The caller's token, cancelled also when the request timeout passes (Translate reports it as a timeout).</summary>
    private CancellationTokenSource Deadline(CancellationToken cancellationToken)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        return deadline;
    }

    /// <summary>The SDK's many exception types (and the raw HTTP ones it lets through) as the three the engine acts on:
    /// not found, a permanent <see cref="RemoteException"/> (access, bucket), or a transient one worth retrying.</summary>
    private async Task<T> Translate<T>(string key, Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        try { return await operation(); }
        catch (Minio.Exceptions.ObjectNotFoundException) { throw new ObjectNotFoundException(key); }
        catch (BucketNotFoundException e) { throw new RemoteException($"bucket {_bucket} does not exist at {_endpoint}", false, e); }
        catch (Exception e) when (e is AccessDeniedException or AuthorizationException or ForbiddenException)
        {
            throw new RemoteException($"access denied to bucket {_bucket} at {_endpoint} (check DEDUP_S3_ACCESS_KEY and DEDUP_S3_SECRET_KEY)", false, e);
        }
        catch (InvalidBucketNameException e) { throw new RemoteException($"invalid bucket name {_bucket}: {e.Message}", false, e); }
        catch (ErrorResponseException e) when (e.Response?.Code is { } code)
        {
            throw code switch
            {
                "NoSuchBucket" => new RemoteException($"bucket {_bucket} does not exist at {_endpoint}", false, e),
                "NoSuchKey" => new ObjectNotFoundException(key),
                "AccessDenied" or "InvalidAccessKeyId" or "SignatureDoesNotMatch" =>
                    new RemoteException($"access denied to bucket {_bucket} at {_endpoint} ({code}; check DEDUP_S3_ACCESS_KEY and DEDUP_S3_SECRET_KEY)", false, e),
                _ => new RemoteException($"{_endpoint} answered {code}", true, e),
            };
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RemoteException($"{_endpoint} did not answer within {_timeout.TotalSeconds:0.#} s", true, e);
        }
        catch (HttpRequestException e) when (e.StatusCode is not null)
        {
            throw new RemoteException($"{_endpoint}: {e.Message}", true, e);
        }
        catch (UnexpectedMinioException e)
        {
            throw new RemoteException($"{_endpoint} answered: {e.Message}", true, e);
        }
        catch (Exception e) when (Untrusted(e) is { } tls)
        {
            // Not transient: retrying cannot make a certificate trusted.
            throw new RemoteException($"the TLS certificate of {_endpoint} is not trusted ({tls.Message}): add its CA to the system's trust store or point SSL_CERT_FILE at it", false, e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or SocketException or ConnectionException
            or InternalServerException or UnexpectedShortReadException or MinioException)
        {
            string cause = (e.InnerException ?? e).Message;
            throw new RemoteException($"cannot reach {_endpoint}: {(cause.Length > 0 ? cause : e.GetType().Name)}", true, e);
        }
    }

    private static System.Security.Authentication.AuthenticationException? Untrusted(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is System.Security.Authentication.AuthenticationException tls) return tls;
        return null;
    }

    public void Dispose()
    {
        (_client as IDisposable)?.Dispose();
        _http.Dispose();
    }
}
