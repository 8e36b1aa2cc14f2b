using Dedup.Core;
using Dedup.Native;
using Dedup.Storage;

namespace Dedup.Repository;

/// <summary>
/// Sealed records kept one file each in a directory of a format-2 repository (snapshots, audit records), named by
/// the record's id and sealed exactly like its catalog record. Files appear and disappear durably (fsync of the
/// file and of the directory) and never change, so a reader beside a writer can trust any it finds.
/// </summary>
public abstract class RecordFiles(string directory, string tempDirectory, string what)
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    protected abstract bool IsId(string name);

    public void Write(string id, byte[] sealedRecord)
    {
        Validate(id);
        // Repositories made before a directory existed get it from their first writer.
        if (!Directory.Exists(directory)) Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        DurableFile.Write(PathOf(id), sealedRecord, tempDirectory);
    }

    public byte[] Read(string id)
    {
        Validate(id);
        return File.ReadAllBytes(PathOf(id));
    }

    public IReadOnlyList<string> List() =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory).Select(Path.GetFileName).OfType<string>().Where(IsId).ToList()
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
        if (any) Posix.FsyncDirectory(directory);
    }

    private string PathOf(string id) => Path.Combine(directory, id);

    private void Validate(string id)
    {
        if (!IsId(id)) throw new CorruptDataException($"'{id}' is not {what}");
    }
}
