using System.Collections.Concurrent;
using Dedup.Core;
using Dedup.Packs;
using Microsoft.Win32.SafeHandles;

namespace Dedup.Storage;

/// <summary>Packs under <c>packs/ab/abcdef…</c> (a 256-way fan-out keeps directories small). Thread safe.</summary>
public sealed class LocalPackStore(string packDirectory, string tempDirectory) : IPackStore, IDisposable
{
    // Restore reads many small ranges from few packs: keep their handles open for the store's lifetime.
    private readonly ConcurrentDictionary<BlockId, SafeFileHandle> _handles = new();

    public string PathOf(BlockId id)
    {
        string hex = id.ToString();
        return Path.Combine(packDirectory, hex[..2], hex);
    }

    /// <summary>Writes a pack durably, replacing a copy already there only once the new one is complete (a damaged copy
    /// stays rather than none when the write fails); a cached handle on the old copy is dropped.</summary>
    public void Put(BlockId id, ReadOnlySpan<byte> pack)
    {
        DurableFile.Write(PathOf(id), pack, tempDirectory);
        if (_handles.TryRemove(id, out var handle)) handle.Dispose();
    }

    public FileStream CreateTemp(out string path)
    {
        Directory.CreateDirectory(tempDirectory);
        path = Path.Combine(tempDirectory, $"pack.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        return new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024);
    }

    public void Commit(BlockId id, string tempPath) => DurableFile.Publish(tempPath, PathOf(id));

    public void ReadRange(BlockId id, long offset, Span<byte> buffer)
    {
        var handle = _handles.GetOrAdd(id, static (key, self) => self.Open(key), this);
        PackReader.ReadExactly(handle, buffer, offset);
    }

    private SafeFileHandle Open(BlockId id) => IfPresent(id, path => File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read));

    public byte[] ReadAll(BlockId id) => IfPresent(id, File.ReadAllBytes);

    public List<PackEntry> ReadEntries(BlockId id, Crypto.IBlobSealer sealer) => IfPresent(id, path => PackReader.ReadEntries(path, sealer));

    /// <summary>A pack the index names but the disk lacks is damage to the repository, not an I/O hiccup.</summary>
    private T IfPresent<T>(BlockId id, Func<string, T> read)
    {
        try { return read(PathOf(id)); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CorruptDataException($"pack {id.ToShortString()} is missing");
        }
    }

    public bool Exists(BlockId id) => File.Exists(PathOf(id));

    public long Length(BlockId id) => new FileInfo(PathOf(id)).Length;

    public IEnumerable<BlockId> List()
    {
        if (!Directory.Exists(packDirectory)) yield break;
        foreach (var dir in Directory.EnumerateDirectories(packDirectory))
            foreach (var file in Directory.EnumerateFiles(dir))
                if (BlockId.TryParse(Path.GetFileName(file), out var id))
                    yield return id;
    }

    public void Delete(BlockId id)
    {
        if (_handles.TryRemove(id, out var handle)) handle.Dispose();
        File.Delete(PathOf(id));
    }

    public void Dispose()
    {
        foreach (var handle in _handles.Values) handle.Dispose();
        _handles.Clear();
    }
}
