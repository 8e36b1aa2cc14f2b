using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Dedup.Native;

/// <summary>
/// What lstat tells about a file, with nanosecond times (the BCL rounds to 100 ns and hides ctime and inode).
/// AtimeNs moves whenever the file is read: compare the fields that matter, not whole statuses.
/// </summary>
/// <param name="Device">The file system's device: major in the high 32 bits, minor in the low 32.</param>
/// <param name="Nlink">Hard links to the inode.</param>
/// <param name="Blocks">Space allocated, in 512-byte units whatever the file system's block size (below Size/512 for a sparse file).</param>
/// <param name="Rdev">For a device node, the device it stands for, in glibc's dev_t encoding (<see cref="MakeDevice"/>), which is what mknod takes back.</param>
public readonly record struct FileStatus(uint Mode, uint Uid, uint Gid, long Size, ulong Inode, ulong Device, long MtimeNs, long CtimeNs,
    uint Nlink = 0, ulong Blocks = 0, ulong Rdev = 0, long AtimeNs = 0)
{
    public const uint TypeMask = 0xF000, Regular = 0x8000, Directory = 0x4000, Symlink = 0xA000,
        Fifo = 0x1000, CharDevice = 0x2000, BlockDevice = 0x6000, Socket = 0xC000;
    public uint Type => Mode & TypeMask;
    public uint Permissions => Mode & 0xFFF;

    /// <summary>glibc's makedev: 12 bits of major and 8 of minor low (the kernel's own 32-bit form), the rest high.</summary>
    public static ulong MakeDevice(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);
}

/// <summary>The few POSIX calls the BCL lacks. Linux only (statx has one layout on every architecture).</summary>
public static partial class Posix
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100, AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static unsafe partial int StatxNative(int dirfd, byte* path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int UtimensatNative(int dirfd, string path, long* times, int flags);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LchownNative(string path, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncNative(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseNative(int fd);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuidNative();

    public static bool IsRoot => GetEuidNative() == 0;

    /// <summary>lstat: the link itself, not its target. Throws <see cref="IOException"/> with the OS reason.
    /// <paramref name="path"/> is an escaped string (<see cref="FileName"/>), so every name on disk can be asked for.</summary>
    public static unsafe FileStatus LStat(string path)
    {
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        fixed (byte* bytes = NulTerminated.Encode(path, scratch))
            return Stat(AtFdCwd, bytes, AtSymlinkNoFollow, path);
    }

    /// <summary>fstat of an open file (<see cref="DirectoryHandle.OpenFile"/>): is it still what was stat'ed before opening?</summary>
    public static unsafe FileStatus FStat(SafeFileHandle file)
    {
        ArgumentNullException.ThrowIfNull(file);
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            byte empty = 0;
            return Stat((int)file.DangerousGetHandle(), &empty, AtEmptyPath | AtSymlinkNoFollow, $"file descriptor {file.DangerousGetHandle()}");
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
    }

    /// <summary>statx relative to <paramref name="dirfd"/>; <paramref name="path"/> names the file in errors.</summary>
    internal static unsafe FileStatus Stat(int dirfd, byte* name, int flags, string path)
    {
        int errno = Statx(dirfd, name, flags, out var status);
        return errno == 0 ? status : throw Errno.Exception(errno, path);
    }

    /// <summary>statx relative to <paramref name="dirfd"/>: 0 and the status, or the errno. Callers that expect a missing
    /// file ask this way: a restore into an empty target asks once per file, and an exception cost more than the call.</summary>
    internal static unsafe int Statx(int dirfd, byte* name, int flags, out FileStatus status)
    {
        status = default!;
        byte* buf = stackalloc byte[256];
        if (StatxNative(dirfd, name, flags, StatxBasicStats, buf) != 0) return Errno.Last;
        status = new FileStatus(
            Mode: *(ushort*)(buf + 28),
            Uid: *(uint*)(buf + 20),
            Gid: *(uint*)(buf + 24),
            Size: *(long*)(buf + 40),
            Inode: *(ulong*)(buf + 32),
            Device: ((ulong)*(uint*)(buf + 136) << 32) | *(uint*)(buf + 140),
            MtimeNs: Nanoseconds(buf + 112),
            CtimeNs: Nanoseconds(buf + 96),
            Nlink: *(uint*)(buf + 16),
            Blocks: *(ulong*)(buf + 48),
            Rdev: FileStatus.MakeDevice(*(uint*)(buf + 128), *(uint*)(buf + 132)),
            AtimeNs: Nanoseconds(buf + 64));
        return 0;
    }

    /// <summary>lstat, or null when nothing is at <paramref name="path"/> (ENOENT, or ENOTDIR: a parent is not a directory).</summary>
    public static unsafe FileStatus? TryLStat(string path)
    {
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        int errno;
        FileStatus status;
        fixed (byte* bytes = NulTerminated.Encode(path, scratch)) errno = Statx(AtFdCwd, bytes, AtSymlinkNoFollow, out status);
        return errno switch
        {
            0 => status,
            Errno.NoEntry or Errno.NotDirectory => null,
            _ => throw Errno.Exception(errno, path),
        };
    }

    private static unsafe long Nanoseconds(byte* timestamp) => *(long*)timestamp * 1_000_000_000L + *(uint*)(timestamp + 8);

    /// <summary>Sets atime and mtime (to the same instant) without following a symlink.</summary>
    public static unsafe void SetTimes(string path, long mtimeNs)
    {
        long* times = stackalloc long[4];
        TimeSpecs(mtimeNs, times);
        if (UtimensatNative(AtFdCwd, path, times, AtSymlinkNoFollow) != 0) throw Error(path);
    }

    /// <summary>Fills the two timespecs (atime, mtime) of the utimensat family with one instant.</summary>
    internal static unsafe void TimeSpecs(long mtimeNs, long* times)
    {
        long seconds = Math.DivRem(mtimeNs, 1_000_000_000L, out long nanos);
        if (nanos < 0) { seconds--; nanos += 1_000_000_000L; }
        times[0] = times[2] = seconds;
        times[1] = times[3] = nanos;
    }

    public static void LChown(string path, uint uid, uint gid)
    {
        if (LchownNative(path, uid, gid) != 0) throw Error(path);
    }

    /// <summary>fsync a directory so a rename into it survives a power loss.</summary>
    public static void FsyncDirectory(string path)
    {
        int fd = OpenNative(path, OpenFlags.Directory | OpenFlags.CloseOnExec);
        if (fd < 0) throw Error(path);
        try
        {
            if (FsyncNative(fd) != 0) throw Error(path);
        }
        finally { CloseNative(fd); }
    }

    private static IOException Error(string path)
    {
        int errno = Marshal.GetLastPInvokeError();
        string reason = Marshal.GetPInvokeErrorMessage(errno);
        return errno == 2 ? new FileNotFoundException($"{path}: {reason}", path) : new IOException($"{path}: {reason}", errno);
    }
}
