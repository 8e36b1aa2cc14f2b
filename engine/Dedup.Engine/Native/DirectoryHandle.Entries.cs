using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Dedup.Native;

public sealed partial class DirectoryHandle
{
    private const string TempPrefix = ".dedup-";
    private const int TempRandomChars = 12;
    private const int TempAttempts = 100;
    private const uint OwnerOnly = 0x180; // 0600

    /// <summary>The length of every <see cref="CreateTempFile"/> name: short enough to sit beside any final name under NAME_MAX.</summary>
    public const int TempNameLength = 19;

    /// <summary>
    /// Creates a new empty file, mode 0600, under a fresh name ".dedup-" + 12 random hex digits, for writing; the
    /// caller fills it and renames it to its final name, so nobody ever sees a partial file under that name.
    /// </summary>
    public unsafe SafeFileHandle CreateTempFile(out string tempName)
    {
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        const int flags = OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Exclusive | OpenFlags.CloseOnExec;
        for (int attempt = 1; ; attempt++)
        {
            string name = TempPrefix + RandomNumberGenerator.GetHexString(TempRandomChars, lowercase: true);
            int fd;
            fixed (byte* p = Name(name, scratch)) fd = LibC.OpenAt(Fd, p, flags | OpenFlags.NoFollow, OwnerOnly);
            if (fd >= 0)
            {
                tempName = name;
                return new SafeFileHandle(fd, ownsHandle: true);
            }
            if (Errno.Last != Errno.Exists || attempt == TempAttempts) throw Errno.Exception(ChildPath(name));
        }
    }

    /// <summary>renameat within this directory: <paramref name="to"/> is replaced if it exists (atomically, as rename(2)).</summary>
    public void Rename(string from, string to) => Rename(this, from, this, to);

    /// <summary>renameat between two directories of the same file system, replacing <paramref name="to"/>.</summary>
    public static unsafe void Rename(DirectoryHandle fromDirectory, string from, DirectoryHandle toDirectory, string to)
    {
        ArgumentNullException.ThrowIfNull(fromDirectory);
        ArgumentNullException.ThrowIfNull(toDirectory);
        Span<byte> fromScratch = stackalloc byte[NulTerminated.ScratchSize];
        Span<byte> toScratch = stackalloc byte[NulTerminated.ScratchSize];
        fixed (byte* f = Name(from, fromScratch))
        fixed (byte* t = Name(to, toScratch))
        {
            if (LibC.RenameAt(fromDirectory.Fd, f, toDirectory.Fd, t) != 0)
                throw Errno.Exception($"{fromDirectory.ChildPath(from)} -> {toDirectory.ChildPath(to)}");
        }
    }

    /// <summary>A hard link <paramref name="newName"/> in <paramref name="targetDirectory"/> to the inode that
    /// <paramref name="existingName"/> here names (a symlink is linked itself, not followed). EEXIST if taken.</summary>
    public unsafe void Link(string existingName, DirectoryHandle targetDirectory, string newName)
    {
        ArgumentNullException.ThrowIfNull(targetDirectory);
        Span<byte> fromScratch = stackalloc byte[NulTerminated.ScratchSize];
        Span<byte> toScratch = stackalloc byte[NulTerminated.ScratchSize];
        fixed (byte* f = Name(existingName, fromScratch))
        fixed (byte* t = Name(newName, toScratch))
        {
            if (LibC.LinkAt(Fd, f, targetDirectory.Fd, t, 0) != 0)
                throw Errno.Exception($"{ChildPath(existingName)} -> {targetDirectory.ChildPath(newName)}");
        }
    }

    /// <summary>mkdirat (the umask applies). An existing entry of that name gives an <see cref="IOException"/> with HResult 17 (EEXIST).</summary>
    public unsafe void CreateDirectory(string name, uint mode)
    {
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        fixed (byte* p = Name(name, scratch))
            if (LibC.MkdirAt(Fd, p, mode) != 0) throw Errno.Exception(ChildPath(name));
    }

    /// <summary>A symlink to <paramref name="target"/>, an escaped string of up to 4095 bytes taken as is (it may be
    /// relative, absolute, dangling, or leave this tree: it is data, never followed here).</summary>
    public unsafe void CreateSymlink(string name, string target)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        Span<byte> targetScratch = stackalloc byte[NulTerminated.ScratchSize];
        fixed (byte* p = Name(name, scratch))
        fixed (byte* t = NulTerminated.Encode(target, targetScratch))
        {
            if (LibC.SymlinkAt(t, Fd, p) != 0) throw Errno.Exception(ChildPath(name));
        }
    }

    /// <summary>The target of the symlink <paramref name="name"/>, byte-exact as an escaped string (EINVAL if not a symlink).</summary>
    public unsafe string ReadLink(string name)
    {
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        fixed (byte* p = Name(name, scratch))
        {
            // readlink cuts the target to the buffer without saying so: only a result shorter than the buffer is whole.
            for (int size = 4096; ; size *= 2)
            {
                byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
                try
                {
                    fixed (byte* b = buffer)
                    {
                        nint length = LibC.ReadLinkAt(Fd, p, b, (nuint)buffer.Length);
                        if (length < 0) throw Errno.Exception(ChildPath(name));
                        if (length < buffer.Length) return FileName.FromBytes(buffer.AsSpan(0, (int)length));
                    }
                }
                finally { ArrayPool<byte>.Shared.Return(buffer); }
            }
        }
    }

    /// <summary>
    /// mknodat for the special files: a FIFO (anyone), a socket node, a character or block device (root:
    /// CAP_MKNOD). <paramref name="typeAndMode"/> is the type (<see cref="FileStatus.Fifo"/> ...) with the permissions;
    /// <paramref name="device"/> is <see cref="FileStatus.Rdev"/> as stat gave it, ignored but for devices.
    /// </summary>
    public unsafe void CreateNode(string name, uint typeAndMode, ulong device)
    {
        uint type = typeAndMode & FileStatus.TypeMask;
        if (type is not (FileStatus.Fifo or FileStatus.CharDevice or FileStatus.BlockDevice or FileStatus.Socket))
            throw new ArgumentException($"type 0x{type:x} is not a FIFO, socket or device", nameof(typeAndMode));
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        fixed (byte* p = Name(name, scratch))
            if (LibC.MknodAt(Fd, p, typeAndMode, device) != 0) throw Errno.Exception(ChildPath(name));
    }

    /// <summary>unlinkat of anything but a directory (a symlink goes, not its target).</summary>
    public void Delete(string name) => Unlink(name, 0);

    /// <summary>Removes an empty directory (ENOTEMPTY otherwise).</summary>
    public void DeleteDirectory(string name) => Unlink(name, LibC.AtRemoveDir);

    private unsafe void Unlink(string name, int flags)
    {
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        fixed (byte* p = Name(name, scratch))
            if (LibC.UnlinkAt(Fd, p, flags) != 0) throw Errno.Exception(ChildPath(name));
    }
}
