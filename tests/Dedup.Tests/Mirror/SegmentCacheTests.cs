using Dedup.Core;
using Dedup.Mirror;
using Dedup.Storage;
using Dedup.Tests.Support;

namespace Dedup.Tests.Mirror;

/// <summary>The local cache of a bucket's catalog segments: used only while it hashes to its name, never for the
/// read-back of an upload, and emptied of what the bucket no longer lists.</summary>
public class SegmentCacheTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static (MemoryObjectStore Bucket, CountingObjectStore Wire, SegmentCacheStore Cached, string Directory) Create(Sandbox sandbox)
    {
        var bucket = new MemoryObjectStore();
        var wire = new CountingObjectStore(bucket);
        string directory = sandbox.Path("cache");
        return (bucket, wire, new SegmentCacheStore(wire, directory), directory);
    }

    private static (string Key, byte[] Bytes) Segment(int seed)
    {
        var bytes = new byte[5000];
        new Random(seed).NextBytes(bytes);
        return (RemoteLayout.Segment(BlockId.Hash(bytes)), bytes);
    }

    [Fact]
    public async Task A_segment_is_downloaded_once_and_a_damaged_copy_is_fetched_again()
    {
        using var sandbox = new Sandbox();
        var (bucket, wire, cached, directory) = Create(sandbox);
        var (key, bytes) = Segment(1);
        await bucket.PutAsync(key, bytes, None);

        Assert.Equal(bytes, await cached.GetAsync(key, None));
        Assert.Equal(bytes, await cached.GetAsync(key, None));
        Assert.Equal(bytes.Length, wire.BytesDownloaded);

        File.WriteAllText(Directory.EnumerateFiles(directory).Single(), "damaged");
        Assert.Equal(bytes, await cached.GetAsync(key, None));
        Assert.Equal(2L * bytes.Length, wire.BytesDownloaded);
        Assert.Equal(bytes, File.ReadAllBytes(Directory.EnumerateFiles(directory).Single()));
    }

    [Fact]
    public async Task A_damaged_segment_in_the_bucket_is_returned_as_is_and_not_cached()
    {
        using var sandbox = new Sandbox();
        var (bucket, _, cached, directory) = Create(sandbox);
        var (key, _) = Segment(2);
        await bucket.PutAsync(key, "not what the name says"u8.ToArray(), None);
        Assert.Equal("not what the name says"u8.ToArray(), await cached.GetAsync(key, None));
        Assert.False(Directory.Exists(directory) && Directory.EnumerateFiles(directory).Any());
    }

    [Fact]
    public async Task The_read_back_after_an_upload_comes_from_the_bucket()
    {
        using var sandbox = new Sandbox();
        var (bucket, wire, cached, _) = Create(sandbox);
        var (key, bytes) = Segment(3);
        await cached.PutAsync(key, bytes, None);
        await cached.GetAsync(key, None); // cached now
        // Uploaded again (e.g. a push re-sending what prune deleted): the cached copy must not answer for the server.
        await cached.PutAsync(key, bytes, None);
        long before = wire.Requests;
        await cached.GetAsync(key, None);
        Assert.Equal(before + 1, wire.Requests);
    }

    [Fact]
    public async Task Listing_the_catalog_drops_copies_of_segments_the_bucket_no_longer_has()
    {
        using var sandbox = new Sandbox();
        var (bucket, _, cached, directory) = Create(sandbox);
        var (kept, keptBytes) = Segment(4);
        var (gone, goneBytes) = Segment(5);
        await bucket.PutAsync(kept, keptBytes, None);
        await bucket.PutAsync(gone, goneBytes, None);
        await cached.GetAsync(kept, None);
        await cached.GetAsync(gone, None);
        Assert.Equal(2, Directory.EnumerateFiles(directory).Count());

        await bucket.DeleteAsync(gone, None); // by another machine's prune
        await foreach (var _ in cached.ListAsync("packs/", None)) { } // not the catalog: nothing is judged
        Assert.Equal(2, Directory.EnumerateFiles(directory).Count());
        await foreach (var _ in cached.ListAsync(RemoteLayout.CatalogPrefix, None)) { }
        Assert.Equal(kept[RemoteLayout.CatalogPrefix.Length..], Path.GetFileName(Directory.EnumerateFiles(directory).Single()));
    }

    [Fact]
    public async Task Audit_segments_are_cached_apart_and_only_a_listing_of_the_audit_log_drops_them()
    {
        using var sandbox = new Sandbox();
        var (bucket, wire, cached, directory) = Create(sandbox);
        var (catalogKey, catalogBytes) = Segment(6);
        var (_, auditBytes) = Segment(7);
        string auditKey = RemoteLayout.AuditSegment(BlockId.Hash(auditBytes));
        await bucket.PutAsync(catalogKey, catalogBytes, None);
        await bucket.PutAsync(auditKey, auditBytes, None);
        await cached.GetAsync(auditKey, None);
        await cached.GetAsync(auditKey, None);
        Assert.Equal(auditBytes.Length, wire.BytesDownloaded);

        await foreach (var _ in cached.ListAsync(RemoteLayout.CatalogPrefix, None)) { }
        Assert.Single(Directory.EnumerateFiles(Path.Combine(directory, "audit")));
        await bucket.DeleteAsync(auditKey, None);
        await foreach (var _ in cached.ListAsync(RemoteLayout.AuditPrefix, None)) { }
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(directory, "audit")));
    }
}
