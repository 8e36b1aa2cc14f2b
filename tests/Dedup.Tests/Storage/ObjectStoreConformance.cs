using Dedup.Storage;

namespace Dedup.Tests.Storage;

/// <summary>What every <see cref="IObjectStore"/> must do. A new implementation gets a subclass that makes one.</summary>
public abstract class ObjectStoreConformance
{
    protected abstract IObjectStore CreateStore();

    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Put_then_get_returns_the_bytes_and_overwrite_replaces_them()
    {
        var store = CreateStore();
        var content = RandomBytes(70_000, 1);
        await store.PutAsync("packs/ab/abc", content, None);
        Assert.Equal(content, await store.GetAsync("packs/ab/abc", None));
        Assert.Equal(content.Length, await store.StatAsync("packs/ab/abc", None));
        await store.PutAsync("packs/ab/abc", new byte[] { 1, 2, 3 }, None);
        Assert.Equal(new byte[] { 1, 2, 3 }, await store.GetAsync("packs/ab/abc", None));
        await store.PutAsync("empty", Array.Empty<byte>(), None);
        Assert.Empty(await store.GetAsync("empty", None));
    }

    [Fact]
    public async Task Ranges_are_exact_and_a_range_past_the_end_is_refused()
    {
        var store = CreateStore();
        var content = RandomBytes(100_000, 2);
        await store.PutAsync("k", content, None);
        foreach (var (offset, length) in new[] { (0L, 1), (0L, 100_000), (99_999L, 1), (12_345L, 54_321), (50_000L, 0) })
            Assert.Equal(content.AsSpan((int)offset, length).ToArray(), await store.GetRangeAsync("k", offset, length, None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.GetRangeAsync("k", 99_990, 11, None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.GetRangeAsync("k", -1, 1, None));
    }

    [Fact]
    public async Task Missing_objects_are_reported_as_such()
    {
        var store = CreateStore();
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => store.GetAsync("nope", None));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => store.GetRangeAsync("nope", 0, 1, None));
        Assert.Null(await store.StatAsync("nope", None));
        await store.DeleteAsync("nope", None); // not an error
    }

    [Fact]
    public async Task Listing_by_prefix_sees_every_object_past_a_thousand()
    {
        var store = CreateStore();
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

public sealed class MemoryObjectStoreTests : ObjectStoreConformance
{
    protected override IObjectStore CreateStore() => new MemoryObjectStore();
}
