using Dedup.Storage.S3;

namespace Dedup.Tests.Support;

/// <summary>
/// The real S3 server that scripts/s3-server.sh starts ($DEDUP_TEST_S3_ENDPOINT and keys). With CI=true a missing
/// server fails the test; elsewhere the test returns early with the reason printed.
/// </summary>
public static class S3TestServer
{
    public static string? Endpoint => Environment.GetEnvironmentVariable("DEDUP_TEST_S3_ENDPOINT") is { Length: > 0 } e ? e : null;
    /// <summary>The same server over https, and the self-signed certificate it presents (trusted via SSL_CERT_FILE).</summary>
    public static string? TlsEndpoint => Environment.GetEnvironmentVariable("DEDUP_TEST_S3_TLS_ENDPOINT") is { Length: > 0 } e ? e : null;
    public static string? Certificate => Environment.GetEnvironmentVariable("DEDUP_TEST_S3_CA") is { Length: > 0 } c ? c : null;
    public static string AccessKey => Environment.GetEnvironmentVariable("DEDUP_S3_ACCESS_KEY") ?? "";
    public static string SecretKey => Environment.GetEnvironmentVariable("DEDUP_S3_SECRET_KEY") ?? "";

    /// <summary>True when tests can run; false (after printing why) to skip outside CI; throws in CI.</summary>
    public static bool Available()
    {
        if (Endpoint is not null) return true;
        if (Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException("CI=true but DEDUP_TEST_S3_ENDPOINT is not set: .ci/run must start scripts/s3-server.sh");
        Console.WriteLine("mirror test skipped: no S3 server (run scripts/s3-server.sh start and export what it prints)");
        return false;
    }

    public static string NewBucketName() => "dedup-test-" + Guid.NewGuid().ToString("N")[..12];

    public static S3ObjectStore Store(string bucket, string prefix = "", string? endpoint = null, TimeSpan? timeout = null) =>
        new(new Uri(endpoint ?? Endpoint!), bucket, prefix, AccessKey, SecretKey, timeout: timeout ?? TimeSpan.FromSeconds(30));

    public static S3ObjectStore CreateBucket(string bucket)
    {
        var store = Store(bucket);
        store.EnsureBucketAsync(CancellationToken.None).GetAwaiter().GetResult();
        return store;
    }
}
