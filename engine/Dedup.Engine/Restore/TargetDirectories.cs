using Dedup.Core;
using Dedup.Native;

namespace Dedup.Restore;

/// <summary>
/// Opens directories under a restore target by walking down from the target's own handle one name at a time,
/// never following a symlink (O_NOFOLLOW at every step): a link planted inside the target cannot send a write
/// outside it, and no path ever reaches PATH_MAX. Thread safe.
/// </summary>
/// <remarks>
/// Handles are shared and kept while in use, and a few hundred after: a restore visits each directory several
/// times (created, filled batch by batch, given its metadata), and walking down from the target every time made
/// it spend a tenth of its CPU time opening and closing directories. Each directory is opened once from its
/// parent's kept handle. Kept handles are closed least recently used first, and all of them on dispose.
/// </remarks>
internal sealed class TargetDirectories : IDisposable
{
    /// <summary>Handles kept while no one uses them: far below any open-file limit, and enough for the directories
    /// a depth-first restore goes back to (the ancestors of where it is).</summary>
    private const int IdleHandles = 256;

    private readonly string _root;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _open = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _idle = new(); // least recently released first

    public TargetDirectories(string root)
    {
        _root = root;
        CreateRoot(root);
    }

    /// <summary>A handle lent out: dispose it when done, not the handle.</summary>
    public sealed class Lease : IDisposable
    {
        private readonly TargetDirectories _owner;
        private Entry? _entry;

        internal Lease(TargetDirectories owner, Entry entry) => (_owner, _entry) = (owner, entry);

        public DirectoryHandle Handle => (_entry ?? throw new ObjectDisposedException(nameof(Lease))).Handle;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _entry, null) is { } entry) _owner.Release(entry);
        }
    }

    internal sealed class Entry(string path, DirectoryHandle handle)
    {
        public string Path { get; } = path;
        public DirectoryHandle Handle { get; } = handle;
        public int Users;
        public LinkedListNode<Entry>? Idle;
    }

    /// <summary>Opens <paramref name="targetPath"/> (the root or a path under it), from its nearest ancestor already
    /// open. Throws when a step is missing or not a directory.</summary>
    public Lease Open(string targetPath)
    {
        if (!IsAtOrUnderRoot(targetPath)) throw new ArgumentException($"{FileName.Display(targetPath)} is not under the restore target", nameof(targetPath));
        var below = new Stack<string>(); // the names from the nearest open ancestor down to targetPath
        string path = targetPath;
        Lease? lease;
        while ((lease = TryLease(path)) is null && path != _root)
        {
            below.Push(AbsolutePath.Name(path));
            path = AbsolutePath.Parent(path);
        }
        lease ??= Keep(_root, DirectoryHandle.Open(_root));
        try
        {
            while (below.TryPop(out var name))
            {
                path = AbsolutePath.Join(path, name);
                var next = Keep(path, OpenStep(lease.Handle, name, path));
                lease.Dispose();
                lease = next;
            }
            return lease;
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    private bool IsAtOrUnderRoot(string path) =>
        path == _root || path.StartsWith(_root == "/" ? "/" : _root + "/", StringComparison.Ordinal);

    private Lease? TryLease(string path)
    {
        lock (_lock)
        {
            if (!_open.TryGetValue(path, out var entry)) return null;
            return Acquire(entry);
        }
    }

    /// <summary>Keeps a handle just opened, unless another thread opened the same directory meanwhile: then that one is lent.</summary>
    private Lease Keep(string path, DirectoryHandle handle)
    {
        lock (_lock)
        {
            if (_open.TryGetValue(path, out var existing))
            {
                handle.Dispose();
                return Acquire(existing);
            }
            var entry = new Entry(path, handle);
            _open.Add(path, entry);
            return Acquire(entry);
        }
    }

    private Lease Acquire(Entry entry)
    {
        if (entry.Idle is not null)
        {
            _idle.Remove(entry.Idle);
            entry.Idle = null;
        }
        entry.Users++;
        return new Lease(this, entry);
    }

    private void Release(Entry entry)
    {
        lock (_lock)
        {
            if (--entry.Users > 0) return;
            entry.Idle = _idle.AddLast(entry);
            while (_idle.Count > IdleHandles)
            {
                var oldest = _idle.First!.Value;
                _idle.RemoveFirst();
                oldest.Idle = null;
                _open.Remove(oldest.Path);
                oldest.Handle.Dispose();
            }
        }
    }

    /// <summary>Closes every kept handle; no lease may be in use.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var entry in _open.Values) entry.Handle.Dispose();
            _open.Clear();
            _idle.Clear();
        }
    }

    private static DirectoryHandle OpenStep(DirectoryHandle parent, string name, string targetPath)
    {
        try { return parent.OpenDirectory(name); }
        catch (IOException e) when (e.HResult is Errno.TooManyLinks or Errno.NotDirectory)
        {
            throw Restorer.NotADirectory(targetPath, parent.TryStat(name));
        }
    }

    /// <summary>The target itself is the user's path: created like mkdir -p, following links the user put on the way.</summary>
    private static void CreateRoot(string root)
    {
        if (Posix.TryLStat(root) is { Type: FileStatus.Directory }) return;
        var handle = DirectoryHandle.Open("/");
        try
        {
            foreach (var name in root.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                if (handle.TryStat(name) is null)
                {
                    try { handle.CreateDirectory(name, 0b111_111_101); }
                    catch (IOException e) when (e.HResult == Errno.Exists) { }
                }
                var next = DirectoryHandle.Open(AbsolutePath.Join(handle.Path, name));
                handle.Dispose();
                handle = next;
            }
        }
        finally { handle.Dispose(); }
    }
}
