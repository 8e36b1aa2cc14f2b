namespace Dedup.Core;

/// <summary>Recognizes what an I/O error means for the command. .NET raises a full file system as a plain
/// <see cref="IOException"/>; on Unix its HResult is the errno.</summary>
public static class StorageErrors
{
    private const int NoSpace = 28, QuotaExceeded = 122; // ENOSPC, EDQUOT on Linux

    /// <summary>True when the file system (or the user's quota on it) is full: every later write there fails the same way.</summary>
    public static bool IsOutOfSpace(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is IOException { HResult: NoSpace or QuotaExceeded }) return true;
        return false;
    }
}
