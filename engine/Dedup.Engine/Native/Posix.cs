using System.Runtime.InteropServices;

namespace Dedup.Native;

/// <summary>What lstat tells about a file, with nanosecond times (the BCL rounds to 100 ns and hides ctime and inode).</summary>
public readonly record struct FileStatus(uint Mode, uint Uid, uint Gid, long Size, ulong Inode, ulong Device, long MtimeNs, long CtimeNs)
{
    public const uint TypeMask = 0xF000, Regular = 0x8000, Directory = 0x4000, Symlink = 0xA000;
    public uint Type => Mode & TypeMask;
    public uint Permissions => Mode & 0xFFF;
}

/// <summary>The few POSIX calls the BCL lacks. Linux only (statx has one layout on every architecture).</summary>
public static partial class Posix
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int ODirectory = 0x10000; // x86-64 and aarch64 agree

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatxNative(int dirfd, string path, int flags, uint mask, byte* buffer);

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

    /// <summary>lstat: the link itself, not its target. Throws <see cref="IOException"/> with the OS reason.</summary>
    public static unsafe FileStatus LStat(string path)
    {
        byte* buf = stackalloc byte[256];
        if (StatxNative(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buf) != 0) throw Error(path);
        return new FileStatus(
            Mode: *(ushort*)(buf + 28),
            Uid: *(uint*)(buf + 20),
            Gid: *(uint*)(buf + 24),
            Size: *(long*)(buf + 40),
            Inode: *(ulong*)(buf + 32),
            Device: ((ulong)*(uint*)(buf + 136) << 32) | *(uint*)(buf + 140),
            MtimeNs: Nanoseconds(buf + 112),
            CtimeNs: Nanoseconds(buf + 96));
    }

    /// <summary>lstat, or null when nothing is at <paramref name="path"/> (ENOENT, or ENOTDIR: a parent is not a directory).</summary>
    public static FileStatus? TryLStat(string path)
    {
        try { return LStat(path); }
        catch (FileNotFoundException) { return null; }
        catch (IOException e) when (e.HResult == 20) { return null; }
    }

    private static unsafe long Nanoseconds(byte* timestamp) => *(long*)timestamp * 1_000_000_000L + *(uint*)(timestamp + 8);

    /// <summary>Sets atime and mtime (to the same instant) without following a symlink.</summary>
    public static unsafe void SetTimes(string path, long mtimeNs)
    {
        long* times = stackalloc long[4];
        long seconds = Math.DivRem(mtimeNs, 1_000_000_000L, out long nanos);
        if (nanos < 0) { seconds--; nanos += 1_000_000_000L; }
        times[0] = times[2] = seconds;
        times[1] = times[3] = nanos;
        if (UtimensatNative(AtFdCwd, path, times, AtSymlinkNoFollow) != 0) throw Error(path);
    }

    public static void LChown(string path, uint uid, uint gid)
    {
        if (LchownNative(path, uid, gid) != 0) throw Error(path);
    }

    /// <summary>fsync a directory so a rename into it survives a power loss.</summary>
    public static void FsyncDirectory(string path)
    {
        int fd = OpenNative(path, ODirectory);
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
