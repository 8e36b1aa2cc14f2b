using Dedup.Core;

namespace Dedup.Repository;

/// <summary>
/// One process at a time. The lock is an exclusive flock on <c>lock</c> (what .NET does for FileShare.None on
/// Unix): the kernel drops it when the holder dies, so a lock left by a killed process is never stale.
/// <c>lock.owner</c> only says who holds it, for the message a second process prints.
/// </summary>
public sealed class RepositoryLock : IDisposable
{
    private readonly FileStream _stream;

    private RepositoryLock(FileStream stream) => _stream = stream;

    public static RepositoryLock Acquire(RepositoryLayout layout, string command, TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                var stream = new FileStream(layout.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                WriteOwner(layout, command);
                return new RepositoryLock(stream);
            }
            catch (IOException) when (File.Exists(layout.LockPath))
            {
                if (DateTime.UtcNow >= deadline)
                {
                    string owner = TryReadOwner(layout);
                    throw new RepositoryLockedException($"repository is locked by another dedup process ({owner}); retry later or pass --wait");
                }
                Thread.Sleep(200);
            }
        }
    }

    /// <summary>Best effort: the owner file only informs the message another process prints. On a full disk it cannot
    /// be written, and that must neither keep a restore or check from the repository nor be reported as "locked".</summary>
    private static void WriteOwner(RepositoryLayout layout, string command)
    {
        try { File.WriteAllText(layout.LockOwnerPath, $"pid {Environment.ProcessId} on {Environment.MachineName}, {command}, since {DateTimeOffset.UtcNow:u}\n"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static string TryReadOwner(RepositoryLayout layout)
    {
        try { return File.ReadAllText(layout.LockOwnerPath).Trim(); }
        catch (IOException) { return "owner unknown"; }
    }

    public void Dispose() => _stream.Dispose();
}
