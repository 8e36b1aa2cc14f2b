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
                File.WriteAllText(layout.LockOwnerPath, $"pid {Environment.ProcessId} on {Environment.MachineName}, {command}, since {DateTimeOffset.UtcNow:u}\n");
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

    private static string TryReadOwner(RepositoryLayout layout)
    {
        try { return File.ReadAllText(layout.LockOwnerPath).Trim(); }
        catch (IOException) { return "owner unknown"; }
    }

    public void Dispose() => _stream.Dispose();
}
