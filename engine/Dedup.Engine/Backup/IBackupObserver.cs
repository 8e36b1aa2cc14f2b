namespace Dedup.Backup;

/// <summary>What the archiver tells its caller while it works. Problems with single files are reported here and
/// the backup goes on; only the CLI decides how they are shown and what exit code they cause.</summary>
public interface IBackupObserver
{
    void BytesProcessed(long bytes);
    /// <summary>A regular file is about to be read (for a "current file" display).</summary>
    void FileStarted(string path) { }
    void FileDone(string path, long size);
    /// <summary>Something the user should know, but the file is saved (e.g. it changed while read).</summary>
    void Warning(string path, string message);
    /// <summary>A file or directory could not be saved; the snapshot lacks it.</summary>
    void Error(string path, Exception error);
}

public sealed class NullBackupObserver : IBackupObserver
{
    public static readonly NullBackupObserver Instance = new();
    public void BytesProcessed(long bytes) { }
    public void FileDone(string path, long size) { }
    public void Warning(string path, string message) { }
    public void Error(string path, Exception error) { }
}
