namespace Dedup.Native;

public sealed partial class DirectoryHandle
{
    /// <summary>fchownat without following a symlink (a link gets its own owner); "." is the directory itself.</summary>
    public unsafe void SetOwner(string name, uint uid, uint gid)
    {
        if (name == Self)
        {
            byte empty = 0;
            if (LibC.FchownAt(Fd, &empty, uid, gid, LibC.AtEmptyPath) != 0) throw Errno.Exception(Path);
            return;
        }
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        fixed (byte* p = Name(name, scratch))
            if (LibC.FchownAt(Fd, p, uid, gid, LibC.AtSymlinkNoFollow) != 0) throw Errno.Exception(ChildPath(name));
    }

    /// <summary>
    /// Sets the permission bits (with setuid, setgid, sticky); "." is the directory itself. Linux has no mode on a
    /// symlink: for one this throws <see cref="IOException"/> with EOPNOTSUPP (95) and changes nothing, where a plain
    /// fchmodat would have changed the link's target. Callers skip symlinks.
    /// </summary>
    public unsafe void SetMode(string name, uint mode)
    {
        if (name == Self)
        {
            if (LibC.Fchmod(Fd, mode) != 0) throw Errno.Exception(Path);
            return;
        }
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        fixed (byte* p = Name(name, scratch))
            if (LibC.FchmodAt(Fd, p, mode, LibC.AtSymlinkNoFollow) != 0) throw Errno.Exception(ChildPath(name));
    }

    /// <summary>Sets mtime and atime to the same instant (as <see cref="Posix.SetTimes"/>), on a symlink itself; "." is the directory itself.</summary>
    public unsafe void SetTimes(string name, long mtimeNs)
    {
        long* times = stackalloc long[4];
        Posix.TimeSpecs(mtimeNs, times);
        if (name == Self)
        {
            if (LibC.Futimens(Fd, times) != 0) throw Errno.Exception(Path);
            return;
        }
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        fixed (byte* p = Name(name, scratch))
            if (LibC.UtimensAt(Fd, p, times, LibC.AtSymlinkNoFollow) != 0) throw Errno.Exception(ChildPath(name));
    }
}
