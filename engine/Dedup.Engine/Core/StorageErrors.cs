namespace Dedup.Core;

/// <summary>Recognizes what an I/O error means for the command. .NET raises a full file system as a plain
/// <see cref="IOException"/>; on Unix its HResult is the errno.</summary>
public static class StorageErrors
{
    private const int WouldBlock = 11, NoSpace = 28, ReadOnlyFileSystem = 30, QuotaExceeded = 122; // EWOULDBLOCK, ENOSPC, EROFS, EDQUOT on Linux

    /// <summary>A non-blocking flock found the file locked by another process.</summary>
    public static bool IsHeldByAnother(Exception e) => e is IOException { HResult: WouldBlock };

    /// <summary>The file system is mounted read-only, or this user may not write there.</summary>
    public static bool IsNotWritable(Exception e) => e is UnauthorizedAccessException or IOException { HResult: ReadOnlyFileSystem };

    /// <summary>True when the file system (or the user's quota on it) is full: every later write there fails the same way.</summary>
    public static bool IsOutOfSpace(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is IOException { HResult: NoSpace or QuotaExceeded }) return true;
        return false;
    }
}
