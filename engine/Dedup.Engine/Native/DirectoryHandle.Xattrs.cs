namespace Dedup.Native;

public sealed partial class DirectoryHandle
{
    /// <summary>
    /// Every extended attribute the kernel lists for <paramref name="name"/> (user.*, security.*, the POSIX ACLs as
    /// system.posix_acl_*, trusted.* when root), of a symlink itself rather than its target; "." is the directory
    /// itself. Names are escaped strings, sorted by <see cref="FileName.Compare"/>. Empty where the file system has
    /// no extended attributes (ENOTSUP). An attribute removed while this reads is left out.
    /// </summary>
    public unsafe IReadOnlyList<(string Name, byte[] Value)> ReadXattrs(string name)
    {
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        // A null path means the directory's own fd (the f*xattr calls).
        fixed (byte* path = XattrPath(name, scratch))
            return ReadXattrs(Fd, path, ChildPath(name));
    }

    /// <summary>As <see cref="ReadXattrs(string)"/>, of a file already open (<see cref="OpenFile"/>): the backup reads
    /// them while it holds the file for its content, with no path to resolve again.</summary>
    public static unsafe IReadOnlyList<(string Name, byte[] Value)> ReadXattrs(Microsoft.Win32.SafeHandles.SafeFileHandle file, string display)
    {
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            return ReadXattrs((int)file.DangerousGetHandle(), null, display);
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
    }

    /// <summary>With <paramref name="path"/> null, the f*xattr calls on <paramref name="fd"/>; else the l*xattr calls on the path.</summary>
    private static unsafe List<(string Name, byte[] Value)> ReadXattrs(int fd, byte* path, string display)
    {
        var attributes = new List<(string, byte[])>();
        byte[] list = ReadXattrList(fd, path, display);
        fixed (byte* names = list)
        {
            // The list is NUL-terminated names one after the other.
            for (int start = 0; start < list.Length;)
            {
                int end = Array.IndexOf(list, (byte)0, start);
                if (end < 0) break; // a name without its NUL: never from the kernel, and never read past the list
                if (end > start && ReadXattrValue(fd, path, names + start, display) is { } value)
                    attributes.Add((FileName.FromBytes(list.AsSpan(start, end - start)), value));
                start = end + 1;
            }
        }
        attributes.Sort((a, b) => FileName.Compare(a.Item1, b.Item1));
        return attributes;
    }

    /// <summary>Creates or replaces the attribute. The kernel refuses user.* on a symlink (EPERM) and on special
    /// files, and anything where the file system has no extended attributes (EOPNOTSUPP).</summary>
    public unsafe void WriteXattr(string name, string attribute, byte[] value)
    {
        ArgumentException.ThrowIfNullOrEmpty(attribute);
        ArgumentNullException.ThrowIfNull(value);
        Span<byte> scratch = stackalloc byte[NulTerminated.ScratchSize];
        Span<byte> attributeScratch = stackalloc byte[NulTerminated.ScratchSize];
        fixed (byte* path = XattrPath(name, scratch))
        fixed (byte* a = NulTerminated.Encode(attribute, attributeScratch))
        fixed (byte* v = value)
        {
            int result = path == null
                ? LibC.FSetXattr(Fd, a, v, (nuint)value.Length, 0)
                : LibC.LSetXattr(path, a, v, (nuint)value.Length, 0);
            if (result != 0) throw Errno.Exception($"{ChildPath(name)} ({FileName.Display(attribute)})");
        }
    }

    /// <summary>
    /// "/proc/self/fd/N/name": the directory's magic link resolves to the directory wherever it is now, so the path
    /// stays short however deep the tree, and the l*xattr calls do not follow the final component. Empty (a null
    /// pointer once fixed) for ".", which goes to the f*xattr calls on the fd itself instead: the l* calls would stop
    /// at the magic link.
    /// </summary>
    private Span<byte> XattrPath(string name, Span<byte> scratch)
    {
        if (name == Self) return default;
        ValidateName(name);
        return NulTerminated.Encode($"/proc/self/fd/{Fd}/{name}", scratch);
    }

    private static unsafe byte[] ReadXattrList(int fd, byte* path, string display)
    {
        while (true)
        {
            nint size = path == null ? LibC.FListXattr(fd, null, 0) : LibC.LListXattr(path, null, 0);
            if (size < 0 && Errno.Last == Errno.NotSupported) return [];
            if (size < 0) throw Errno.Exception(display);
            if (size == 0) return [];
            byte[] list = new byte[size];
            fixed (byte* buffer = list)
            {
                nint length = path == null ? LibC.FListXattr(fd, buffer, (nuint)size) : LibC.LListXattr(path, buffer, (nuint)size);
                if (length >= 0) return list.AsSpan(0, (int)length).ToArray();
            }
            if (Errno.Last != Errno.Range) throw Errno.Exception(display); // ERANGE: an attribute came meanwhile; ask again
        }
    }

    /// <summary>The value, or null when the attribute went away between the listing and this read.</summary>
    private static unsafe byte[]? ReadXattrValue(int fd, byte* path, byte* attribute, string display)
    {
        while (true)
        {
            nint size = path == null ? LibC.FGetXattr(fd, attribute, null, 0) : LibC.LGetXattr(path, attribute, null, 0);
            if (size < 0 && Errno.Last == Errno.NoData) return null;
            if (size < 0) throw Errno.Exception(display);
            if (size == 0) return [];
            byte[] value = new byte[size];
            fixed (byte* buffer = value)
            {
                nint length = path == null ? LibC.FGetXattr(fd, attribute, buffer, (nuint)size) : LibC.LGetXattr(path, attribute, buffer, (nuint)size);
                if (length >= 0) return length == size ? value : value.AsSpan(0, (int)length).ToArray();
            }
            if (Errno.Last == Errno.NoData) return null;
            if (Errno.Last != Errno.Range) throw Errno.Exception(display); // ERANGE: the value grew meanwhile
        }
    }
}
