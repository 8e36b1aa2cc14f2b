using System.Runtime.InteropServices;

namespace Dedup.Native;

/// <summary>
/// The errno values the native layer tells apart (Linux numbers, the same on x86-64 and aarch64), and the one way a
/// failed call becomes an exception: <see cref="IOException"/> with HResult = errno, <see cref="FileNotFoundException"/>
/// for ENOENT, the message "{path}: {strerror}" with the path in <see cref="FileName.Display"/> form (an escaped byte
/// would otherwise reach a terminal or log as an unprintable lone surrogate).
/// </summary>
internal static class Errno
{
    public const int NotPermitted = 1;         // EPERM
    public const int NoEntry = 2;              // ENOENT
    public const int Interrupted = 4;          // EINTR
    public const int NoSuchDeviceOrAddress = 6; // ENXIO: lseek SEEK_DATA past the last data
    public const int Exists = 17;              // EEXIST
    public const int NotDirectory = 20;        // ENOTDIR
    public const int Invalid = 22;             // EINVAL
    public const int Range = 34;               // ERANGE: a buffer too small for the answer
    public const int NoSystemCall = 38;        // ENOSYS
    public const int TooManyLinks = 40;        // ELOOP: O_NOFOLLOW met a symlink
    public const int NoData = 61;              // ENODATA: no such extended attribute
    public const int NotSupported = 95;        // EOPNOTSUPP (= ENOTSUP on Linux)

    public static int Last => Marshal.GetLastPInvokeError();

    public static IOException Exception(string path) => Exception(Last, path);

    public static IOException Exception(int errno, string path)
    {
        string message = $"{FileName.Display(path)}: {Marshal.GetPInvokeErrorMessage(errno)}";
        return errno == NoEntry ? new FileNotFoundException(message, path) : new IOException(message, errno);
    }
}
