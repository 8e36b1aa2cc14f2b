namespace Dedup.Catalog.LiteDb;

/// <summary>
/// LiteDB 5 flushes its log only to the OS cache on commit, so an acknowledged transaction can vanish in a
/// power loss. Giving it this stream makes every flush it asks for an fsync: a commit that returned is on disk.
/// </summary>
internal sealed class DurableFileStream(string path, FileMode mode)
    : FileStream(path, mode, FileAccess.ReadWrite, FileShare.None, 4096, FileOptions.RandomAccess)
{
    public override void Flush() => base.Flush(flushToDisk: true);

    public override void Flush(bool flushToDisk) => base.Flush(flushToDisk: true);
}
