using Dedup.Storage;
using Dedup.Storage.S3;

namespace Dedup.Tests.Storage;

/// <summary>
/// What every <see cref="IObjectStore"/> must do, run against each implementation: memory always; the S3 store
/// against the real server that scripts/s3-server.sh starts ($DEDUP_TEST_S3_ENDPOINT). With CI=true the S3 row
/// is always there, so a missing server fails the run instead of skipping it.
/// </summary>
public class ObjectStoreConformance
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<string> Stores()
    {
        var stores = new TheoryData<string> { "memory", "segment cache over memory" };
        if (S3Configured || Environment.GetEnvironmentVariable("CI") == "true") stores.Add("s3");
        else Console.WriteLine("S3 conformance skipped: no server (run scripts/s3-server.sh start and export what it prints)");
        return stores;
    }

    private static bool S3Configured => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DEDUP_TEST_S3_ENDPOINT"));

    private static IObjectStore CreateStore(string kind)
    {
        if (kind == "memory") return new MemoryObjectStore();
        if (kind == "segment cache over memory")
            return new Dedup.Mirror.SegmentCacheStore(new MemoryObjectStore(), Directory.CreateTempSubdirectory("dedup-segment-cache-").FullName);
        string endpoint = Environment.GetEnvironmentVariable("DEDUP_TEST_S3_ENDPOINT")
            ?? throw new InvalidOperationException("CI=true but DEDUP_TEST_S3_ENDPOINT is not set: .ci/run must start scripts/s3-server.sh");
        var store = new S3ObjectStore(new Uri(endpoint), "dedup-test-" + Guid.NewGuid().ToString("N")[..12], "repo",
            Environment.GetEnvironmentVariable("DEDUP_S3_ACCESS_KEY") ?? "", Environment.GetEnvironmentVariable("DEDUP_S3_SECRET_KEY") ?? "",
            timeout: TimeSpan.FromSeconds(30));
        store.EnsureBucketAsync(None).GetAwaiter().GetResult();
        return store;
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Put_then_get_returns_the_bytes_and_overwrite_replaces_them(string kind)
    {
        var store = CreateStore(kind);
        var content = RandomBytes(70_000, 1);
        await store.PutAsync("packs/ab/abc", content, None);
        Assert.Equal(content, await store.GetAsync("packs/ab/abc", None));
        Assert.Equal(content.Length, await store.StatAsync("packs/ab/abc", None));
        using (var sink = new Sha256Sink())
        {
            Assert.Equal(content.Length, await store.GetToAsync("packs/ab/abc", sink, None));
            Assert.Equal(Dedup.Core.BlockId.Hash(content), sink.Hash());
        }
        await store.PutAsync("packs/ab/abc", new byte[] { 1, 2, 3 }, None);
        Assert.Equal(new byte[] { 1, 2, 3 }, await store.GetAsync("packs/ab/abc", None));
        await store.PutAsync("empty", Array.Empty<byte>(), None);
        Assert.Empty(await store.GetAsync("empty", None));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Ranges_are_exact_and_a_range_past_the_end_is_refused(string kind)
    {
        var store = CreateStore(kind);
        var content = RandomBytes(100_000, 2);
        await store.PutAsync("k", content, None);
        foreach (var (offset, length) in new[] { (0L, 1), (0L, 100_000), (99_999L, 1), (12_345L, 54_321), (50_000L, 0) })
            Assert.Equal(content.AsSpan((int)offset, length).ToArray(), await store.GetRangeAsync("k", offset, length, None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.GetRangeAsync("k", 99_990, 11, None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.GetRangeAsync("k", -1, 1, None));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Missing_objects_are_reported_as_such(string kind)
    {
        var store = CreateStore(kind);
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => store.GetAsync("nope", None));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => store.GetRangeAsync("nope", 0, 1, None));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => store.GetToAsync("nope", new Sha256Sink(), None));
        Assert.Null(await store.StatAsync("nope", None));
        await store.DeleteAsync("nope", None); // not an error
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Listing_by_prefix_sees_every_object_past_a_thousand(string kind)
    {
        var store = CreateStore(kind);
        for (int i = 0; i < 1_050; i++) await store.PutAsync($"packs/{i:D5}", new byte[i % 7], None);
        await store.PutAsync("snapshots/x", new byte[1], None);
        var listed = new List<(string Key, long Size)>();
        await foreach (var item in store.ListAsync("packs/", None)) listed.Add(item);
        Assert.Equal(1_050, listed.Count);
        Assert.Equal(listed.Select(l => l.Key).Order(StringComparer.Ordinal), listed.Select(l => l.Key));
        Assert.Equal(3, listed.Single(l => l.Key == "packs/00010").Size);
        await store.DeleteAsync("packs/00010", None);
        Assert.Null(await store.StatAsync("packs/00010", None));
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
