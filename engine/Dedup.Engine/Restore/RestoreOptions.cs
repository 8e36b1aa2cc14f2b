namespace Dedup.Restore;

public sealed record RestoreOptions
{
    public bool Overwrite { get; init; }
    /// <summary>Re-read every written file and re-hash it against its block ids.</summary>
    public bool Verify { get; init; }
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount);
    /// <summary>As root, restore owners by the stored uid/gid even where the stored user and group names exist here
    /// under other ids (by default a name that exists here wins, as with tar and borg).</summary>
    public bool NumericOwner { get; init; }
}

public interface IRestoreObserver
{
    void BytesWritten(long bytes);
    /// <summary>A file (or symlink) is in place.</summary>
    void FileDone(string path) { }
    void Error(string path, Exception error);
    /// <summary>Something of an entry could not be reproduced (an extended attribute the target refuses).</summary>
    void Warning(string message) { }
}

public sealed class NullRestoreObserver : IRestoreObserver
{
    public static readonly NullRestoreObserver Instance = new();
    public void BytesWritten(long bytes) { }
    public void Error(string path, Exception error) { }
}

public sealed record RestoreResult(long Files, long Directories, long Bytes, IReadOnlyList<string> Failed, long Verified)
{
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
