using System.Runtime.InteropServices;

namespace Dedup.Native;

/// <summary>
/// The raw libc calls of the native file layer. Paths and names go in as NUL-terminated bytes
/// (<see cref="NulTerminated"/>), never through string marshalling, which would turn undecodable bytes into U+FFFD.
/// Linux on x86-64 and aarch64 only: the constants below are checked for those two.
/// </summary>
internal static unsafe partial class LibC
{
    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100, AtRemoveDir = 0x200, AtEmptyPath = 0x1000;
    public const int SeekSet = 0, SeekCur = 1, SeekData = 3, SeekHole = 4;
    public const int FSetFl = 4; // fcntl F_SETFL: sets O_NONBLOCK, O_NOATIME, O_APPEND, O_DIRECT; ignores the rest

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    public static partial int Open(byte* path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    public static partial int OpenAt(int dirfd, byte* name, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int FcntlSetFlags(int fd, int command, int flags);

    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    public static partial nint GetDents64(int fd, byte* buffer, nuint length);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    public static partial long LSeek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    public static partial int FAllocate(int fd, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true)]
    public static partial int MkdirAt(int dirfd, byte* name, uint mode);

    [LibraryImport("libc", EntryPoint = "symlinkat", SetLastError = true)]
    public static partial int SymlinkAt(byte* target, int dirfd, byte* name);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true)]
    public static partial nint ReadLinkAt(int dirfd, byte* name, byte* buffer, nuint size);

    [LibraryImport("libc", EntryPoint = "mknodat", SetLastError = true)]
    public static partial int MknodAt(int dirfd, byte* name, uint mode, ulong device);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    public static partial int UnlinkAt(int dirfd, byte* name, int flags);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true)]
    public static partial int RenameAt(int fromDirfd, byte* from, int toDirfd, byte* to);

    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true)]
    public static partial int LinkAt(int fromDirfd, byte* from, int toDirfd, byte* to, int flags);

    [LibraryImport("libc", EntryPoint = "fchownat", SetLastError = true)]
    public static partial int FchownAt(int dirfd, byte* name, uint uid, uint gid, int flags);

    [LibraryImport("libc", EntryPoint = "fchmodat", SetLastError = true)]
    public static partial int FchmodAt(int dirfd, byte* name, uint mode, int flags);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    public static partial int Fchmod(int fd, uint mode);

    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true)]
    public static partial int UtimensAt(int dirfd, byte* name, long* times, int flags);

    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    public static partial int Futimens(int fd, long* times);

    [LibraryImport("libc", EntryPoint = "llistxattr", SetLastError = true)]
    public static partial nint LListXattr(byte* path, byte* list, nuint size);

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true)]
    public static partial nint LGetXattr(byte* path, byte* name, byte* value, nuint size);

    [LibraryImport("libc", EntryPoint = "lsetxattr", SetLastError = true)]
    public static partial int LSetXattr(byte* path, byte* name, byte* value, nuint size, int flags);

    [LibraryImport("libc", EntryPoint = "flistxattr", SetLastError = true)]
    public static partial nint FListXattr(int fd, byte* list, nuint size);

    [LibraryImport("libc", EntryPoint = "fgetxattr", SetLastError = true)]
    public static partial nint FGetXattr(int fd, byte* name, byte* value, nuint size);

    [LibraryImport("libc", EntryPoint = "fsetxattr", SetLastError = true)]
    public static partial int FSetXattr(int fd, byte* name, byte* value, nuint size, int flags);

    // The *_r account lookups return the error number instead of setting errno.
    [LibraryImport("libc", EntryPoint = "getpwuid_r")]
    public static partial int GetPwUid(uint uid, byte* entry, byte* buffer, nuint length, byte** result);

    [LibraryImport("libc", EntryPoint = "getpwnam_r")]
    public static partial int GetPwNam(byte* name, byte* entry, byte* buffer, nuint length, byte** result);

    [LibraryImport("libc", EntryPoint = "getgrgid_r")]
    public static partial int GetGrGid(uint gid, byte* entry, byte* buffer, nuint length, byte** result);

    [LibraryImport("libc", EntryPoint = "getgrnam_r")]
    public static partial int GetGrNam(byte* name, byte* entry, byte* buffer, nuint length, byte** result);
}

/// <summary>open(2) flags. x86-64 uses asm-generic's values; aarch64 keeps 32-bit ARM's for O_DIRECTORY and O_NOFOLLOW
/// (arch/arm64/include/uapi/asm/fcntl.h), where x86-64's O_DIRECTORY would mean O_DIRECT.</summary>
internal static class OpenFlags
{
    public const int ReadOnly = 0, WriteOnly = 1, Create = 0x40, Exclusive = 0x80, NonBlock = 0x800, NoAtime = 0x40000, CloseOnExec = 0x80000;

    public static readonly int Directory, NoFollow;

    static OpenFlags()
    {
        (Directory, NoFollow) = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => (0x10000, 0x20000),
            Architecture.Arm64 => (0x4000, 0x8000),
            var other => throw new PlatformNotSupportedException($"The native file layer knows Linux on x86-64 and aarch64, not {other}."),
        };
    }
}
