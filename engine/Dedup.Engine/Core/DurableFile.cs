using Dedup.Native;

namespace Dedup.Core;

/// <summary>The one way this project makes a file appear: write a temp file, fsync it, rename it into
/// place, fsync the directory. A reader sees the old state or the whole new file, never a part.</summary>
public static class DurableFile
{
    public static void Write(string path, ReadOnlySpan<byte> content, string tempDirectory)
    {
        Directory.CreateDirectory(tempDirectory);
        string temp = Path.Combine(tempDirectory, $"{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            Publish(temp, path);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Renames an already fsynced temp file into place and fsyncs the directory that now holds it.</summary>
    public static void Publish(string tempPath, string path)
    {
        string directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        File.Move(tempPath, path, overwrite: true);
        Posix.FsyncDirectory(directory);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
