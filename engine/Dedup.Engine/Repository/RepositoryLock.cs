using Dedup.Core;

namespace Dedup.Repository;

/// <summary>
/// One process at a time. The lock is an exclusive flock on <c>lock</c> (what .NET does for FileShare.None on
/// Unix): the kernel drops it when the holder dies, so a lock left by a killed process is never stale.
/// <c>lock.owner</c> only says who last took it, for the message a second process prints; it is believed only
/// while that process still runs.
/// A reader of a repository it cannot write (a read-only mount, a backup disk chmod'ed a-w) takes the same flock
/// through a read-only descriptor, or none at all when the lock file does not exist and cannot be made: no
/// process can be writing to such a repository, so there is nothing to exclude.
/// </summary>
public sealed class RepositoryLock : IDisposable
{
    // Like every file of a new repository (RepositoryLayout): the owner's alone. An existing file keeps its mode.
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly FileStream? _stream;

    private RepositoryLock(FileStream? stream) => _stream = stream;

    /// <summary>False when the repository was opened without writing anything to it (read-only media).</summary>
    public bool Writable { get; private init; } = true;

    public static RepositoryLock Acquire(RepositoryLayout layout, string command, TimeSpan wait, bool forWriting = true)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                return TakeForWriting(layout, command);
            }
            catch (IOException e) when (StorageErrors.IsHeldByAnother(e))
            {
                if (DateTime.UtcNow >= deadline)
                    throw new RepositoryLockedException($"repository is locked by another dedup process ({DescribeOwner(layout)}); retry later or pass --wait");
                Thread.Sleep(200);
            }
            catch (Exception e) when (!forWriting && StorageErrors.IsNotWritable(e))
            {
                if (TakeReadOnly(layout) is { } readOnly) return readOnly;
                if (DateTime.UtcNow >= deadline)
                    throw new RepositoryLockedException($"repository is locked by another dedup process ({DescribeOwner(layout)}); retry later or pass --wait");
                Thread.Sleep(200);
            }
            catch (Exception e) when (StorageErrors.IsNotWritable(e))
            {
                throw new RepositoryReadOnlyException($"the repository at {layout.Root} is read-only ({e.Message}); this command writes to it");
            }
        }
    }

    private static RepositoryLock TakeForWriting(RepositoryLayout layout, string command)
    {
        var stream = new FileStream(layout.LockPath, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, UnixCreateMode = OwnerOnly,
        });
        WriteOwner(layout, command);
        return new RepositoryLock(stream);
    }

    /// <summary>Best effort: the owner file only informs the message another process prints. On a full disk it cannot
    /// be written, and that must neither keep a restore or check from the repository nor be reported as "locked".</summary>
    private static void WriteOwner(RepositoryLayout layout, string command)
    {
        try
        {
            using var owner = new FileStream(layout.LockOwnerPath, new FileStreamOptions
            {
                Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = OwnerOnly,
            });
            owner.Write(System.Text.Encoding.UTF8.GetBytes($"pid {Environment.ProcessId} on {Environment.MachineName}, {command}, since {DateTimeOffset.UtcNow:u}\n"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>The lock through a read-only descriptor, or no lock when there is no lock file; null while another
    /// process holds it.</summary>
    private static RepositoryLock? TakeReadOnly(RepositoryLayout layout)
    {
        if (!File.Exists(layout.LockPath)) return new RepositoryLock(null) { Writable = false };
        try { return new RepositoryLock(new FileStream(layout.LockPath, FileMode.Open, FileAccess.Read, FileShare.None)) { Writable = false }; }
        catch (IOException e) when (StorageErrors.IsHeldByAnother(e)) { return null; }
    }


    /// <summary>Who holds the lock, as far as <c>lock.owner</c> can be believed: a process of this machine that no
    /// longer runs did not take the lock now held.</summary>
    private static string DescribeOwner(RepositoryLayout layout)
    {
        string owner;
        try { owner = File.ReadAllText(layout.LockOwnerPath).Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "owner unknown"; }
        var parts = owner.Split(' ', 5);
        if (parts.Length >= 4 && parts[0] == "pid" && int.TryParse(parts[1], out int pid)
            && parts[3].TrimEnd(',') == Environment.MachineName && !Directory.Exists($"/proc/{pid}"))
            return "owner unknown: lock.owner names pid " + pid + ", which is no longer running";
        return owner;
    }

    public void Dispose() => _stream?.Dispose();
}
