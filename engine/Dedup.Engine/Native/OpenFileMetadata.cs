using Microsoft.Win32.SafeHandles;

namespace Dedup.Native;

/// <summary>
/// Owner, extended attributes, mode and times set through an open file's descriptor. A restore gives a file all
/// of them before the file gets its name: no path is resolved for each (the name-based calls cost a lookup each,
/// and a mode change of a name without following a symlink takes four system calls), and the file appears whole.
/// <paramref name="display"/> names the file in errors.
/// </summary>
public static unsafe class OpenFileMetadata
{
    public static void SetOwner(SafeFileHandle file, uint uid, uint gid, string display)
    {
        bool added = false;
        try
        {
            byte empty = 0;
            if (LibC.FchownAt(Descriptor(file, ref added), &empty, uid, gid, LibC.AtEmptyPath) != 0) throw Errno.Exception(display);
        }
        finally { if (added) file.DangerousRelease(); }
    }

    public static void WriteXattr(SafeFileHandle file, string attribute, byte[] value, string display)
    {
        ArgumentException.ThrowIfNullOrEmpty(attribute);
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        bool added = false;
        try
        {
            fixed (byte* a = NulTerminated.Encode(attribute, scratch))
            fixed (byte* v = value)
            {
                if (LibC.FSetXattr(Descriptor(file, ref added), a, v, (nuint)value.Length, 0) != 0)
                    throw Errno.Exception($"{display} ({FileName.Display(attribute)})");
            }
        }
        finally { if (added) file.DangerousRelease(); }
    }

    public static void SetMode(SafeFileHandle file, uint mode, string display)
    {
        bool added = false;
        try
        {
            if (LibC.Fchmod(Descriptor(file, ref added), mode) != 0) throw Errno.Exception(display);
        }
        finally { if (added) file.DangerousRelease(); }
    }

    /// <summary>Sets mtime and atime to the same instant.</summary>
    public static void SetTimes(SafeFileHandle file, long mtimeNs, string display)
    {
        long* times = stackalloc long[4];
        Posix.TimeSpecs(mtimeNs, times);
        bool added = false;
        try
        {
            if (LibC.Futimens(Descriptor(file, ref added), times) != 0) throw Errno.Exception(display);
        }
        finally { if (added) file.DangerousRelease(); }
    }

    private static int Descriptor(SafeFileHandle file, ref bool added)
    {
        file.DangerousAddRef(ref added);
        return (int)file.DangerousGetHandle();
    }
}
