using Dedup.Native;

namespace Dedup.Tests.Support;

/// <summary>
/// Compares two directory trees at the level of the file system's bytes (names as the kernel lists them, through
/// directory handles; .NET's own enumeration replaces bytes that are not UTF-8): entry names, types, content,
/// mode, uid/gid, mtime in ns (not of symlinks, whose times some file systems ignore), link targets, device
/// numbers, extended attributes, hard-link structure (which entries share an inode), and allocation: a file
/// restored with more than its data plus 1 MiB allocated lost its holes.
/// </summary>
public static class ByteTree
{
    public static void AssertEqual(string expected, string actual)
    {
        var linksA = new Dictionary<ulong, List<string>>();
        var linksB = new Dictionary<ulong, List<string>>();
        using (var a = DirectoryHandle.Open(expected))
        using (var b = DirectoryHandle.Open(actual))
            Compare(a, b, "", linksA, linksB);
        var groupsA = linksA.Values.Where(g => g.Count > 1).Select(g => string.Join("|", g.Order(StringComparer.Ordinal))).Order(StringComparer.Ordinal);
        var groupsB = linksB.Values.Where(g => g.Count > 1).Select(g => string.Join("|", g.Order(StringComparer.Ordinal))).Order(StringComparer.Ordinal);
        Assert.Equal(groupsA, groupsB);
    }

    private static void Compare(DirectoryHandle a, DirectoryHandle b, string path, Dictionary<ulong, List<string>> linksA, Dictionary<ulong, List<string>> linksB)
    {
        var names = a.List().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(names, b.List().Order(StringComparer.Ordinal).ToList());
        foreach (var name in names)
        {
            string at = FileName.Display(path + "/" + name);
            var sa = a.Stat(name);
            var sb = b.Stat(name);
            Assert.True(sa.Type == sb.Type, $"{at}: type {sa.Type:x} vs {sb.Type:x}");
            Assert.True(sa.Uid == sb.Uid && sa.Gid == sb.Gid, $"{at}: owner");
            if (sa.Type != FileStatus.Symlink)
            {
                Assert.True(sa.Permissions == sb.Permissions, $"{at}: mode {Convert.ToString(sa.Permissions, 8)} vs {Convert.ToString(sb.Permissions, 8)}");
                Assert.True(sa.MtimeNs == sb.MtimeNs, $"{at}: mtime {sa.MtimeNs} vs {sb.MtimeNs}");
            }
            Assert.Equal(Xattrs(a, name), Xattrs(b, name));
            switch (sa.Type)
            {
                case FileStatus.Directory:
                    using (var da = a.OpenDirectory(name))
                    using (var db = b.OpenDirectory(name))
                        Compare(da, db, path + "/" + name, linksA, linksB);
                    continue;
                case FileStatus.Symlink:
                    Assert.Equal(a.ReadLink(name), b.ReadLink(name));
                    break;
                case FileStatus.CharDevice or FileStatus.BlockDevice:
                    Assert.True(sa.Rdev == sb.Rdev, $"{at}: device number");
                    break;
                case FileStatus.Regular:
                    Assert.True(sa.Size == sb.Size, $"{at}: size {sa.Size} vs {sb.Size}");
                    Assert.True(Content(a, name).AsSpan().SequenceEqual(Content(b, name)), $"{at}: content differs");
                    if (sa.Blocks * 512 < (ulong)sa.Size)
                        Assert.True(sb.Blocks <= sa.Blocks + 2048, $"{at}: sparse file restored with {sb.Blocks * 512} bytes allocated, the original {sa.Blocks * 512}");
                    break;
            }
            (linksA.TryGetValue(sa.Inode, out var ga) ? ga : linksA[sa.Inode] = []).Add(path + "/" + name);
            (linksB.TryGetValue(sb.Inode, out var gb) ? gb : linksB[sb.Inode] = []).Add(path + "/" + name);
        }
    }

    private static List<string> Xattrs(DirectoryHandle dir, string name) =>
        dir.ReadXattrs(name).Where(x => !x.Name.StartsWith("security.selinux", StringComparison.Ordinal))
            .Select(x => x.Name + "=" + Convert.ToHexString(x.Value)).ToList();

    private static byte[] Content(DirectoryHandle dir, string name)
    {
        using var handle = dir.OpenFile(name);
        var bytes = new byte[RandomAccess.GetLength(handle)];
        int read = 0;
        while (read < bytes.Length)
        {
            int n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
            if (n == 0) break;
            read += n;
        }
        return bytes;
    }
}
