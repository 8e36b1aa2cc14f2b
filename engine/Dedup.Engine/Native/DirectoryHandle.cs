using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Dedup.Native;

/// <summary>
/// An open directory, and every file operation the backup walk and the restore make, relative to it (the openat
/// family). A name is always one path component, as an escaped string (<see cref="FileName"/>): not empty, not "."
/// or "..", without '/' or NUL (else <see cref="ArgumentException"/>). A final symlink is never followed. So no path
/// grows past PATH_MAX however deep the tree, and a symlink planted in the tree cannot redirect a call outside it.
/// Only <see cref="Stat"/>, the metadata setters and the extended attribute calls also accept "." for the
/// directory itself.
/// Errors are <see cref="IOException"/> with HResult = errno (<see cref="FileNotFoundException"/> for ENOENT).
/// Calls may run concurrently on one handle; <see cref="Dispose"/> must come after the last of them.
/// </summary>
public sealed partial class DirectoryHandle : IDisposable
{
    private const string Self = ".";
    // Below PATH_MAX (4096) with room to spare: a longer path is opened a few components at a time.
    private const int LongPath = 4000;
    private const int ListBufferSize = 32 * 1024;

    private readonly SafeFileHandle _handle;
    private readonly Lock _listing = new();

    private DirectoryHandle(int fd, string path)
    {
        _handle = new SafeFileHandle(fd, ownsHandle: true);
        Path = path;
    }

    /// <summary>The path this handle was opened by, for messages only: the directory may have moved since.</summary>
    public string Path { get; }

    private static int DirectoryFlags => OpenFlags.ReadOnly | OpenFlags.Directory | OpenFlags.CloseOnExec;

    private int Fd
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return (int)_handle.DangerousGetHandle();
        }
    }

    /// <summary>
    /// Opens a directory by absolute path (escaped), following symlinks on the way: the path is the user's. A path
    /// of PATH_MAX or more bytes, which open(2) refuses, is opened a piece at a time from "/".
    /// </summary>
    public static unsafe DirectoryHandle Open(string absolutePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(absolutePath);
        if (absolutePath[0] != '/') throw new ArgumentException($"{FileName.Display(absolutePath)}: not an absolute path", nameof(absolutePath));
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        var bytes = NulTerminated.Encode(absolutePath, scratch);
        int fd;
        if (bytes.Length - 1 < LongPath)
        {
            fixed (byte* p = bytes) fd = LibC.OpenAt(LibC.AtFdCwd, p, DirectoryFlags, 0);
        }
        else fd = OpenInSteps(bytes[..^1]);
        if (fd < 0) throw Errno.Exception(absolutePath);
        return new DirectoryHandle(fd, absolutePath);
    }

    /// <summary>openat from "/" with as many whole components per step as stay below PATH_MAX. Returns -1 with errno set on failure.</summary>
    private static unsafe int OpenInSteps(ReadOnlySpan<byte> path)
    {
        byte* root = stackalloc byte[] { (byte)'/', 0 };
        int fd = LibC.OpenAt(LibC.AtFdCwd, root, DirectoryFlags, 0);
        byte[] step = new byte[LongPath + 1];
        int start = 0;
        while (fd >= 0)
        {
            while (start < path.Length && path[start] == '/') start++;
            if (start == path.Length) return fd;
            int end = start + Math.Min(LongPath, path.Length - start);
            if (end < path.Length && path[end] != '/')
            {
                int slash = path[start..end].LastIndexOf((byte)'/');
                // A single component longer than the step: pass it whole and let the kernel say ENAMETOOLONG.
                end = slash > 0 ? start + slash : FindSlash(path, start);
            }
            if (end - start > LongPath) step = new byte[end - start + 1];
            path[start..end].CopyTo(step);
            step[end - start] = 0;
            int next;
            fixed (byte* p = step) next = LibC.OpenAt(fd, p, DirectoryFlags, 0);
            LibC.Close(fd); // close leaves the error of openat in place: it is imported without SetLastError
            fd = next;
            start = end;
        }
        return fd;
    }

    private static int FindSlash(ReadOnlySpan<byte> path, int start)
    {
        int slash = path[start..].IndexOf((byte)'/');
        return slash < 0 ? path.Length : start + slash;
    }

    /// <summary>Opens the subdirectory <paramref name="name"/>. A symlink there is not followed: it fails with ENOTDIR
    /// (the kernel checks O_DIRECTORY before O_NOFOLLOW's ELOOP), as a file does.</summary>
    public unsafe DirectoryHandle OpenDirectory(string name)
    {
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        int fd;
        fixed (byte* p = Name(name, scratch)) fd = LibC.OpenAt(Fd, p, DirectoryFlags | OpenFlags.NoFollow, 0);
        if (fd < 0) throw Errno.Exception(ChildPath(name));
        return new DirectoryHandle(fd, ChildPath(name));
    }

    /// <summary>
    /// The names in the directory without "." and "..", in the directory's own order. Every call lists from the
    /// start (the read position belongs to the handle, so listings are serialized among themselves).
    /// </summary>
    public unsafe IReadOnlyList<string> List()
    {
        var names = new List<string>();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ListBufferSize);
        try
        {
            lock (_listing)
            {
                int fd = Fd;
                if (LibC.LSeek(fd, 0, LibC.SeekSet) < 0) throw Errno.Exception(Path);
                fixed (byte* start = buffer)
                {
                    while (true)
                    {
                        nint filled = LibC.GetDents64(fd, start, (nuint)buffer.Length);
                        if (filled < 0) throw Errno.Exception(Path);
                        if (filled == 0) return names;
                        // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, then the NUL-terminated name.
                        for (byte* entry = start; entry < start + filled; entry += *(ushort*)(entry + 16))
                        {
                            var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(entry + 19);
                            if (!IsDotOrDotDot(name)) names.Add(FileName.FromBytes(name));
                        }
                    }
                }
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    private static bool IsDotOrDotDot(ReadOnlySpan<byte> name) =>
        name.Length is 1 or 2 && name[0] == '.' && (name.Length == 1 || name[1] == '.');

    /// <summary>lstat of <paramref name="name"/> (a symlink itself, not its target), or of the directory itself for ".".</summary>
    public unsafe FileStatus Stat(string name)
    {
        if (name == Self) return StatSelf();
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        fixed (byte* p = Name(name, scratch)) return Posix.Stat(Fd, p, LibC.AtSymlinkNoFollow, ChildPath(name));
    }

    /// <summary><see cref="Stat"/>, or null when nothing is there (ENOENT, or ENOTDIR: this directory was replaced by a file).</summary>
    public unsafe FileStatus? TryStat(string name)
    {
        if (name == Self) return StatSelf();
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        int errno;
        FileStatus status;
        fixed (byte* p = Name(name, scratch)) errno = Posix.Statx(Fd, p, LibC.AtSymlinkNoFollow, out status);
        return errno switch
        {
            0 => status,
            Errno.NoEntry or Errno.NotDirectory => null,
            _ => throw Errno.Exception(errno, ChildPath(name)),
        };
    }

    /// <summary>The directory itself; needs no permission on it (AT_EMPTY_PATH), unlike a lookup of ".".</summary>
    public unsafe FileStatus StatSelf()
    {
        byte empty = 0;
        return Posix.Stat(Fd, &empty, LibC.AtEmptyPath | LibC.AtSymlinkNoFollow, Path);
    }

    /// <summary>
    /// Opens <paramref name="name"/> for reading without following a symlink (ELOOP), and without touching its atime
    /// where the kernel lets us (owner or root). The open is non-blocking, so a FIFO or device swapped in after the
    /// caller's <see cref="Stat"/> cannot hang it; the returned handle is blocking again. Callers compare
    /// <see cref="Posix.FStat"/> of the handle with what they expected before they read.
    /// </summary>
    public unsafe SafeFileHandle OpenFile(string name)
    {
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        int flags = OpenFlags.ReadOnly | OpenFlags.NoFollow | OpenFlags.CloseOnExec | OpenFlags.NonBlock;
        int fd;
        fixed (byte* p = Name(name, scratch))
        {
            fd = LibC.OpenAt(Fd, p, flags | OpenFlags.NoAtime, 0);
            if (fd >= 0) flags |= OpenFlags.NoAtime;
            // O_NOATIME is refused (EPERM) to anyone but the owner and root; they read as usual.
            else if (Errno.Last == Errno.NotPermitted) fd = LibC.OpenAt(Fd, p, flags, 0);
        }
        if (fd < 0) throw Errno.Exception(ChildPath(name));
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (LibC.FcntlSetFlags(fd, LibC.FSetFl, flags & OpenFlags.NoAtime) < 0)
        {
            var error = Errno.Exception(ChildPath(name));
            handle.Dispose();
            throw error;
        }
        return handle;
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>Refuses anything but a single path component, then encodes it (see <see cref="NulTerminated.Encode"/>).</summary>
    private static Span<byte> Name(string name, Span<byte> scratch)
    {
        ValidateName(name);
        return NulTerminated.Encode(name, scratch);
    }

    private static void ValidateName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name is "." or ".." || name.Contains('/'))
            throw new ArgumentException($"\"{FileName.Display(name)}\" is not a single file name", nameof(name));
    }

    private string ChildPath(string name) => name == Self ? Path : Path.EndsWith('/') ? Path + name : Path + "/" + name;
}
