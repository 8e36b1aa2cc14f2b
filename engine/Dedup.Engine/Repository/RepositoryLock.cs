using Dedup.Core;

namespace Dedup.Repository;

/// <summary>What a process holding (or not) the repository lock may do.</summary>
public enum LockMode
{
    /// <summary>A writer: the flock is exclusive, nothing else reads or writes the catalog.</summary>
    Exclusive,
    /// <summary>A reader while no writer runs: the flock is shared with other readers; catalog.db is read-only.</summary>
    Shared,
    /// <summary>A reader that found a writer holding the flock: it reads the repository's immutable files, not
    /// catalog.db (ADR 0008).</summary>
    BesideWriter,
    /// <summary>A reader of a repository it cannot write and that has no lock file: no process can be writing it.</summary>
    Unlocked,
}

/// <summary>
/// Writers one at a time, readers beside anything (ADR 0008). Writers take an exclusive flock on <c>lock</c>,
/// readers a shared one, tried once: a reader never waits. The kernel drops a flock when its holder dies, so a lock
/// left by a killed process is never stale. <c>lock.owner</c> only says which writer last took it, for the message
/// a second writer prints; it is believed only while that process still runs.
/// </summary>
public sealed class RepositoryLock : IDisposable
{
    // Like every file of a new repository (RepositoryLayout): the owner's alone. An existing file keeps its mode.
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly FileStream? _stream;

    private RepositoryLock(FileStream? stream, LockMode mode) => (_stream, Mode) = (stream, mode);

    public LockMode Mode { get; }

    /// <summary>True only for a writer: every other holder writes nothing to the repository.</summary>
    public bool Writable => Mode == LockMode.Exclusive;

    /// <summary>The exclusive lock of a writer, waiting up to <paramref name="wait"/> for the writer or readers holding it.</summary>
    public static RepositoryLock Acquire(RepositoryLayout layout, string command, TimeSpan wait)
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
                    throw new RepositoryLockedException($"repository is {DescribeHolders(layout)}; retry later or pass --wait");
                Thread.Sleep(200);
            }
            catch (Exception e) when (StorageErrors.IsNotWritable(e))
            {
                throw new RepositoryReadOnlyException($"the repository at {layout.Root} is read-only ({e.Message}); this command writes to it");
            }
        }
    }

    /// <summary>A reader's lock: shared, or <see cref="LockMode.BesideWriter"/> at once when a writer holds it. With
    /// <paramref name="waitForWriter"/> (a format-1 repository, which has no immutable files to read instead) the
    /// reader waits for the writer up to <paramref name="wait"/> as before.</summary>
    public static RepositoryLock AcquireForReading(RepositoryLayout layout, TimeSpan wait, bool waitForWriter)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var taken = TakeShared(layout);
            if (taken.Mode != LockMode.BesideWriter || !waitForWriter) return taken;
            if (DateTime.UtcNow >= deadline)
                throw new RepositoryLockedException($"repository is {DescribeHolders(layout)}; retry later or pass --wait");
            Thread.Sleep(200);
        }
    }

    private static RepositoryLock TakeForWriting(RepositoryLayout layout, string command)
    {
        var stream = new FileStream(layout.LockPath, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, UnixCreateMode = OwnerOnly,
        });
        WriteOwner(layout, command);
        return new RepositoryLock(stream, LockMode.Exclusive);
    }

    /// <summary>.NET takes a shared flock for a descriptor opened for reading with any sharing but None. The lock
    /// file is made when missing (a repository no writer opened yet), except on media that cannot be written.</summary>
    private static RepositoryLock TakeShared(RepositoryLayout layout)
    {
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite };
            if (!File.Exists(layout.LockPath)) (options.Mode, options.UnixCreateMode) = (FileMode.OpenOrCreate, OwnerOnly);
            return new RepositoryLock(new FileStream(layout.LockPath, options), LockMode.Shared);
        }
        catch (IOException e) when (StorageErrors.IsHeldByAnother(e)) { return new RepositoryLock(null, LockMode.BesideWriter); }
        catch (Exception e) when (StorageErrors.IsNotWritable(e) && !File.Exists(layout.LockPath)) { return new RepositoryLock(null, LockMode.Unlocked); }
    }

    /// <summary>Best effort: the owner file only informs the message another process prints. On a full disk it cannot
    /// be written, and that must neither keep a writer from the repository nor be reported as "locked".</summary>
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

    /// <summary>Readers hold the flock shared: if a shared flock can be taken now, the holders were readers.</summary>
    private static string DescribeHolders(RepositoryLayout layout)
    {
        var probe = TakeShared(layout);
        probe.Dispose();
        return probe.Mode == LockMode.BesideWriter
            ? $"locked by another dedup process ({DescribeOwner(layout)})"
            : "being read by another dedup process (a restore, check, ls...)";
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
