using Dedup.Core;
using Dedup.Native;
using Dedup.Storage;

namespace Dedup.Repository;

/// <summary>
/// The snapshot records of a format-2 repository, one sealed file each under <c>snapshots/</c>: the truth about
/// which snapshots exist (the catalog follows them). Files appear and disappear durably (fsync of the file and
/// of the directory), never change.
/// </summary>
public sealed class SnapshotFiles(RepositoryLayout layout)
{
    public void Write(string id, byte[] sealedRecord)
    {
        Validate(id);
        DurableFile.Write(PathOf(id), sealedRecord, layout.TempDirectory);
    }

    public byte[] Read(string id)
    {
        Validate(id);
        return File.ReadAllBytes(PathOf(id));
    }

    public IReadOnlyList<string> List() =>
        Directory.Exists(layout.SnapshotsDirectory)
            ? Directory.EnumerateFiles(layout.SnapshotsDirectory).Select(Path.GetFileName).OfType<string>().Where(IsId).ToList()
            : [];

    /// <summary>Deletes the files, then makes the deletion durable: a forget that returned stays done.</summary>
    public void Delete(IEnumerable<string> ids)
    {
        bool any = false;
        foreach (var id in ids)
        {
            Validate(id);
            if (!File.Exists(PathOf(id))) continue;
            File.Delete(PathOf(id));
            any = true;
        }
        if (any) Posix.FsyncDirectory(layout.SnapshotsDirectory);
    }

    private string PathOf(string id) => Path.Combine(layout.SnapshotsDirectory, id);

    private static bool IsId(string name) => name.Length == 64 && name.All(char.IsAsciiHexDigitLower);

    private static void Validate(string id)
    {
        if (!IsId(id)) throw new CorruptDataException($"'{id}' is not a snapshot id");
    }
}
