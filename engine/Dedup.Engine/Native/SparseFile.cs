using Microsoft.Win32.SafeHandles;

namespace Dedup.Native;

/// <summary>Where a file has data and where holes (lseek SEEK_DATA / SEEK_HOLE), so a backup need not read, and a
/// restore need not write, gigabytes of zeros it can recreate with a length.</summary>
public static class SparseFile
{
    /// <summary>
    /// The data extents within the first <paramref name="size"/> bytes, in order; whatever lies between them reads
    /// as zeros. Extents are as fine as the file system keeps them (a block, or more), and a file system that cannot
    /// tell reports one extent (0, size). The file offset is left where it was; do not call while another thread
    /// uses that offset (RandomAccess reads by position and is unaffected).
    /// </summary>
    public static IReadOnlyList<(long Offset, long Length)> DataExtents(SafeFileHandle file, long size)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var extents = new List<(long, long)>();
        if (size == 0) return extents;
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            int fd = (int)file.DangerousGetHandle();
            long saved = LibC.LSeek(fd, 0, LibC.SeekCur);
            if (saved < 0) throw Errno.Exception(Describe(file));
            try
            {
                for (long offset = 0; offset < size;)
                {
                    long data = LibC.LSeek(fd, offset, LibC.SeekData);
                    if (data < 0 && Errno.Last == Errno.NoSuchDeviceOrAddress) break; // only a hole from here on
                    if (data < 0 && Errno.Last == Errno.Invalid && offset == 0) return [(0, size)]; // SEEK_DATA not supported here
                    if (data < 0) throw Errno.Exception(Describe(file));
                    if (data >= size) break;
                    long hole = LibC.LSeek(fd, data, LibC.SeekHole);
                    // Every file ends in a virtual hole, so this fails only if the file shrank under us: then data ends here.
                    long end = hole < 0 ? size : Math.Min(hole, size);
                    extents.Add((data, end - data));
                    offset = end;
                }
            }
            finally { LibC.LSeek(fd, saved, LibC.SeekSet); }
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
        return extents;
    }

    /// <summary>
    /// Reserves the first <paramref name="length"/> bytes of an empty file being written (fallocate, mode 0): a full
    /// disk is met before any of it is written, and a file written in pieces out of order is laid out as one file,
    /// not as the pieces arrived. A file system that cannot reserve (EOPNOTSUPP, or a kernel without fallocate) is written as before. Only for a
    /// file without holes: the reserved bytes read as zeros and take space, as a hole would not.
    /// </summary>
    public static void Reserve(SafeFileHandle file, long length, string path)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0) return;
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            if (LibC.FAllocate((int)file.DangerousGetHandle(), 0, 0, length) == 0) return;
            int errno = Errno.Last;
            if (errno is not (Errno.NotSupported or Errno.NoSystemCall)) throw Errno.Exception(errno, path);
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
    }

    private static string Describe(SafeFileHandle file) => $"file descriptor {file.DangerousGetHandle()}";
}
