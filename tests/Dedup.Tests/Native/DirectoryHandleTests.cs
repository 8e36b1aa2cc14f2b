using System.Text;
using Dedup.Native;

namespace Dedup.Tests.Native;

public sealed class DirectoryHandleTests : IDisposable
{
    private const int NameTooLong = 36, NotEmpty = 39, Loop = 40; // ENAMETOOLONG, ENOTEMPTY, ELOOP
    private readonly NativeSandbox _sandbox = new();
    private DirectoryHandle Dir => _sandbox.Handle;

    public void Dispose() => _sandbox.Dispose();

    private static string Name(params byte[] bytes) => FileName.FromBytes(bytes);

    [Fact]
    public void Names_that_are_not_utf8_are_created_and_listed_byte_exact()
    {
        byte[][] names =
        [
            [0x61, 0xFF],             // a, invalid byte
            [0x61, 0xEF, 0xBF, 0xBD], // a, U+FFFD: a different name
            [0xED, 0xB2, 0x80],       // the UTF-8 form of a lone surrogate
            [0xC3, 0x28],
            [0xE2, 0x82],
            [0xC3, 0xA9],             // é, valid
            [0x5C, 0x78, 0x66, 0x66], // the text \xff, not the byte
        ];
        foreach (var name in names) NativeSandbox.WriteFile(Dir, Name(name), name);

        var listed = Dir.List();
        Assert.Equal(Sorted(names), Sorted(listed.Select(FileName.ToBytes)));
        Assert.Equal(Sorted(names), Sorted(NativeSandbox.ListExternally(_sandbox.Root)));
        Assert.NotEqual(Dir.Stat(Name(0x61, 0xFF)).Inode, Dir.Stat(Name(0x61, 0xEF, 0xBF, 0xBD)).Inode);
        foreach (var name in names)
        {
            using var file = Dir.OpenFile(Name(name));
            var content = new byte[name.Length];
            Assert.Equal(name.Length, RandomAccess.Read(file, content, 0));
            Assert.Equal(name, content);
        }
    }

    [Fact]
    public void Names_written_by_other_programs_are_read_byte_exact()
    {
        NativeSandbox.Shell("cd \"$1\" && touch \"$(printf 'b\\377\\300')\" && mkdir \"$(printf 'd\\355\\262\\200')\"", _sandbox.Root);
        Assert.Equal(Sorted([[0x62, 0xFF, 0xC0], [0x64, 0xED, 0xB2, 0x80]]), Sorted(Dir.List().Select(FileName.ToBytes)));

        Assert.Equal(FileStatus.Regular, Dir.Stat(Name(0x62, 0xFF, 0xC0)).Type);
        using (var sub = Dir.OpenDirectory(Name(0x64, 0xED, 0xB2, 0x80))) Assert.Empty(sub.List());
        Dir.Delete(Name(0x62, 0xFF, 0xC0));
        Dir.DeleteDirectory(Name(0x64, 0xED, 0xB2, 0x80));
        Assert.Empty(NativeSandbox.ListExternally(_sandbox.Root));
    }

    [Fact]
    public void A_name_of_255_bytes_is_taken_and_256_refused()
    {
        string longest = string.Concat(Enumerable.Repeat("é", 127)) + "x";
        Assert.Equal(255, FileName.ToBytes(longest).Length);
        Dir.CreateDirectory(longest, 0x1ED);
        Assert.Equal(FileStatus.Directory, Dir.Stat(longest).Type);
        Assert.Equal(longest, Assert.Single(Dir.List()));

        var e = Assert.Throws<IOException>(() => Dir.CreateDirectory(longest + "x", 0x1ED));
        Assert.Equal(NameTooLong, e.HResult);
    }

    public static TheoryData<string> NotOneName => new() { "", ".", "..", "a/b", "/", "a\0b", "dir/" };

    [Theory]
    [MemberData(nameof(NotOneName), DisableDiscoveryEnumeration = true)]
    public void Anything_but_one_path_component_is_refused(string name)
    {
        Assert.Throws<ArgumentException>(() => Dir.OpenFile(name));
        Assert.Throws<ArgumentException>(() => Dir.CreateDirectory(name, 0x1ED));
        Assert.Throws<ArgumentException>(() => Dir.Delete(name));
        Assert.Throws<ArgumentException>(() => Dir.OpenDirectory(name));
        Assert.Throws<ArgumentException>(() => Dir.CreateSymlink(name, "target"));
        Assert.Throws<ArgumentException>(() => Dir.Rename("x", name));
        if (name != ".") Assert.Throws<ArgumentException>(() => Dir.Stat(name));
    }

    [Fact]
    public void Paths_longer_than_PATH_MAX_open_a_piece_at_a_time()
    {
        // 24 levels of 200-byte names: over 4800 bytes, past PATH_MAX (4096); one level's name holds an invalid byte.
        var path = new StringBuilder(_sandbox.Root);
        var current = Dir;
        var opened = new List<DirectoryHandle>();
        for (int level = 0; level < 24; level++)
        {
            string name = level == 7 ? Name([.. Encoding.ASCII.GetBytes(new string('e', 198)), 0xFF]) : $"{level:d2}" + new string('d', 198);
            current.CreateDirectory(name, 0x1ED);
            current = current.OpenDirectory(name);
            opened.Add(current);
            path.Append('/').Append(name);
        }
        NativeSandbox.WriteFile(current, "deep", [1, 2, 3]);
        ulong inode = current.StatSelf().Inode;
        Assert.True(FileName.ToBytes(path.ToString()).Length > 4096);

        using (var reopened = DirectoryHandle.Open(path.ToString()))
        {
            Assert.Equal(inode, reopened.StatSelf().Inode);
            Assert.Equal(3, reopened.Stat("deep").Size);
            Assert.Equal(["deep"], reopened.List());
        }
        using (var again = DirectoryHandle.Open(path.ToString().Replace("/07", "//07") + "/"))
            Assert.Equal(inode, again.StatSelf().Inode);
        Assert.Equal(NameTooLong, Assert.Throws<IOException>(() => Posix.LStat(path + "/deep")).HResult);
        Assert.Throws<FileNotFoundException>(() => DirectoryHandle.Open(path + "/missing/x"));
        foreach (var handle in opened) handle.Dispose();
    }

    [Fact]
    public void Open_wants_an_absolute_path_to_a_directory()
    {
        Assert.Throws<ArgumentException>(() => DirectoryHandle.Open("relative/path"));
        NativeSandbox.WriteFile(Dir, "file", []);
        Assert.Equal(20, Assert.Throws<IOException>(() => DirectoryHandle.Open(_sandbox.Root + "/file")).HResult); // ENOTDIR
        Assert.Throws<FileNotFoundException>(() => DirectoryHandle.Open(_sandbox.Root + "/missing"));
    }

    [Fact]
    public void Listing_a_large_directory_takes_several_reads_and_repeats()
    {
        // 600 entries of ~120 bytes each fill more than two 32 KiB getdents buffers.
        var names = Enumerable.Range(0, 600).Select(i => $"{i:d4}-" + new string('n', 95)).ToHashSet();
        foreach (var name in names) Dir.CreateNode(name, FileStatus.Fifo | 0x1A4, 0);

        Assert.Equal(names, Dir.List().ToHashSet());
        Assert.Equal(600, Dir.List().Count);
        Assert.Equal(FileStatus.Fifo, Dir.Stat(names.First()).Type); // *at calls are not disturbed by the read position
    }

    [Fact]
    public void Stat_tells_missing_from_present()
    {
        Assert.Null(Dir.TryStat("missing"));
        var e = Assert.Throws<FileNotFoundException>(() => Dir.Stat(Name(0x6D, 0xFF)));
        Assert.Contains("/m\\xff: ", e.Message);
        Assert.Equal(_sandbox.Root + "/" + Name(0x6D, 0xFF), e.FileName);

        NativeSandbox.WriteFile(Dir, "f", new byte[5000]);
        var st = Dir.Stat("f");
        Assert.Equal((FileStatus.Regular, 5000L, 1u), (st.Type, st.Size, st.Nlink));
        Assert.Equal(Posix.LStat(_sandbox.Root + "/f") with { AtimeNs = 0 }, st with { AtimeNs = 0 });
        Assert.Equal(Posix.LStat(_sandbox.Root).Inode, Dir.StatSelf().Inode);
        Assert.Equal(Dir.StatSelf().Inode, Dir.Stat(".").Inode);
    }

    [Fact]
    public void OpenFile_reads_a_file_and_refuses_to_follow_a_symlink()
    {
        byte[] content = Encoding.ASCII.GetBytes("content of f");
        NativeSandbox.WriteFile(Dir, "f", content);
        Dir.CreateSymlink("link", "f");
        Dir.CreateDirectory("d", 0x1ED);
        Dir.CreateSymlink("dlink", "d");

        using (var file = Dir.OpenFile("f"))
        {
            Assert.Equal(Dir.Stat("f").Inode, Posix.FStat(file).Inode);
            using var stream = new FileStream(file, FileAccess.Read, 1);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.Equal(content, copy.ToArray());
        }
        Assert.Equal(Loop, Assert.Throws<IOException>(() => Dir.OpenFile("link")).HResult);
        Assert.Equal(20, Assert.Throws<IOException>(() => Dir.OpenDirectory("dlink")).HResult); // ENOTDIR, not followed
        Assert.Throws<FileNotFoundException>(() => Dir.OpenFile("missing"));
    }

    [Fact]
    public void OpenFile_leaves_atime_alone_for_the_owner_and_reads_other_owners_files()
    {
        const long old = 1_000_000_000_000_000_000L; // 2001: relatime would move an atime this old on any read
        NativeSandbox.WriteFile(Dir, "f", [1, 2, 3]);
        Dir.SetTimes("f", old);
        using (var file = Dir.OpenFile("f")) Assert.Equal(3, RandomAccess.Read(file, new byte[10], 0));
        Assert.Equal(old, Dir.Stat("f").AtimeNs);

        // Not the owner (unless root): O_NOATIME is refused with EPERM and the open retries without it.
        using var etc = DirectoryHandle.Open("/etc");
        using var passwd = etc.OpenFile("passwd");
        var content = new byte[Posix.FStat(passwd).Size];
        Assert.Equal(content.Length, RandomAccess.Read(passwd, content, 0));
        Assert.Equal(File.ReadAllBytes("/etc/passwd"), content);
    }

    [Fact]
    public void OpenFile_on_a_fifo_returns_at_once()
    {
        Dir.CreateNode("fifo", FileStatus.Fifo | 0x1A4, 0);
        var open = Task.Run(() => Dir.OpenFile("fifo"));
        Assert.True(open.Wait(TimeSpan.FromSeconds(5)), "opening a FIFO without a writer blocked");
        using var handle = open.Result;
        Assert.Equal(FileStatus.Fifo, Posix.FStat(handle).Type);
    }

    [Fact]
    public void Temp_files_have_short_fresh_private_names()
    {
        var names = new HashSet<string>();
        for (int i = 0; i < 20; i++)
        {
            using var handle = Dir.CreateTempFile(out string name);
            RandomAccess.Write(handle, [(byte)i], 0);
            Assert.Equal(DirectoryHandle.TempNameLength, name.Length);
            Assert.Matches("^\\.dedup-[0-9a-f]{12}$", name);
            Assert.True(names.Add(name));
            var st = Dir.Stat(name);
            Assert.Equal((FileStatus.Regular, 0x180u, 1L), (st.Type, st.Permissions, st.Size));
        }
        Assert.Equal(names, Dir.List().ToHashSet());
    }

    [Fact]
    public void Rename_replaces_and_moves_between_directories()
    {
        NativeSandbox.WriteFile(Dir, "a", [1]);
        NativeSandbox.WriteFile(Dir, "b", [2, 2]);
        Dir.Rename("a", "b");
        Assert.Equal(["b"], Dir.List());
        Assert.Equal(1, Dir.Stat("b").Size);

        Dir.CreateDirectory("sub", 0x1ED);
        using var sub = Dir.OpenDirectory("sub");
        DirectoryHandle.Rename(Dir, "b", sub, Name(0xFF));
        Assert.Equal([Name(0xFF)], sub.List());
        Assert.Null(Dir.TryStat("b"));
        Assert.Throws<FileNotFoundException>(() => Dir.Rename("b", "c"));
    }

    [Fact]
    public void A_hard_link_shares_the_inode()
    {
        NativeSandbox.WriteFile(Dir, "first", [7]);
        Dir.CreateDirectory("other", 0x1ED);
        using var other = Dir.OpenDirectory("other");
        Dir.Link("first", other, "second");

        var a = Dir.Stat("first");
        var b = other.Stat("second");
        Assert.Equal((a.Inode, 2u), (b.Inode, b.Nlink));
        Assert.Equal(17, Assert.Throws<IOException>(() => Dir.Link("first", other, "second")).HResult); // EEXIST

        // A symlink is linked itself, not its target.
        Dir.CreateSymlink("link", "first");
        Dir.Link("link", Dir, "link2");
        Assert.Equal(FileStatus.Symlink, Dir.Stat("link2").Type);
        Assert.Equal(2u, Dir.Stat("first").Nlink);
    }

    [Fact]
    public void Directories_are_created_and_deleted()
    {
        Dir.CreateDirectory("d", 0x1C0);
        Assert.Equal((FileStatus.Directory, 0x1C0u), (Dir.Stat("d").Type, Dir.Stat("d").Permissions));
        Assert.Equal(17, Assert.Throws<IOException>(() => Dir.CreateDirectory("d", 0x1ED)).HResult);
        using (var d = Dir.OpenDirectory("d")) NativeSandbox.WriteFile(d, "x", []);
        Assert.Equal(NotEmpty, Assert.Throws<IOException>(() => Dir.DeleteDirectory("d")).HResult);
        using (var d = Dir.OpenDirectory("d")) d.Delete("x");
        Dir.DeleteDirectory("d");
        Assert.Empty(Dir.List());
    }

    [Fact]
    public void Symlink_targets_round_trip_byte_exact()
    {
        byte[] target = [.. "../"u8, 0xFF, 0xFE, .. "/é/"u8, 0xED, 0xB2, 0x80, .. "\\x"u8];
        Dir.CreateSymlink("link", Name(target));
        Assert.Equal(target, FileName.ToBytes(Dir.ReadLink("link")));
        Assert.Equal(target, NativeSandbox.ReadLinkExternally(_sandbox.Root + "/link"));
        Assert.Equal(FileStatus.Symlink, Dir.Stat("link").Type);
        Assert.Equal(target.Length, Dir.Stat("link").Size);

        string longest = string.Join('/', Enumerable.Repeat(new string('t', 254), 16)) + "/" + new string('u', 15); // 4095 bytes
        Assert.Equal(4095, longest.Length);
        Dir.CreateSymlink("long", longest);
        Assert.Equal(longest, Dir.ReadLink("long"));
        Assert.Equal(NameTooLong, Assert.Throws<IOException>(() => Dir.CreateSymlink("longer", longest + "v")).HResult);

        NativeSandbox.WriteFile(Dir, "file", []);
        Assert.Equal(22, Assert.Throws<IOException>(() => Dir.ReadLink("file")).HResult); // EINVAL: not a symlink
        Assert.Equal(17, Assert.Throws<IOException>(() => Dir.CreateSymlink("file", "x")).HResult);
    }

    [Fact]
    public void Fifos_and_sockets_are_made_by_anyone()
    {
        Dir.CreateNode("fifo", FileStatus.Fifo | 0x180, 0);
        Dir.CreateNode("socket", FileStatus.Socket | 0x1ED, 0);
        Assert.Equal((FileStatus.Fifo, 0x180u), (Dir.Stat("fifo").Type, Dir.Stat("fifo").Permissions)); // 0600 survives any usual umask
        Assert.Equal(FileStatus.Socket, Dir.Stat("socket").Type);
        Assert.Equal("fifo\nsocket\n", NativeSandbox.Shell("cd \"$1\" && stat -c %F fifo socket", _sandbox.Root));
        Assert.Throws<ArgumentException>(() => Dir.CreateNode("regular", FileStatus.Regular | 0x1A4, 0));
        Assert.Throws<ArgumentException>(() => Dir.CreateNode("dir", FileStatus.Directory | 0x1ED, 0));
    }

    [Fact]
    public void Device_nodes_keep_their_device_numbers()
    {
        if (!Posix.IsRoot) { Console.WriteLine("device node test skipped: mknod of a device needs root"); return; }
        Dir.CreateNode("null", FileStatus.CharDevice | 0x1B6, FileStatus.MakeDevice(1, 3));
        Dir.CreateNode("big", FileStatus.BlockDevice | 0x180, FileStatus.MakeDevice(4000, 0xFFFFF));

        var null_ = Dir.Stat("null");
        Assert.Equal((FileStatus.CharDevice, Posix.LStat("/dev/null").Rdev), (null_.Type, null_.Rdev));
        Assert.Equal(FileStatus.MakeDevice(1, 3), null_.Rdev);
        var big = Dir.Stat("big");
        Assert.Equal((FileStatus.BlockDevice, FileStatus.MakeDevice(4000, 0xFFFFF)), (big.Type, big.Rdev));
        // stat(1) prints major and minor in hex.
        Assert.Equal("1,3\nfa0,fffff\n", NativeSandbox.Shell("cd \"$1\" && stat -c %t,%T null big", _sandbox.Root));
    }

    [Fact]
    public void Metadata_is_set_on_names_links_and_the_directory_itself()
    {
        NativeSandbox.WriteFile(Dir, "f", [1]);
        Dir.CreateSymlink("link", "f");
        Dir.SetMode("f", 0x9A4); // setuid + 0644
        Dir.SetMode(".", 0x1C0);
        Assert.Equal(0x9A4u, Dir.Stat("f").Permissions);
        Assert.Equal(0x1C0u, Dir.StatSelf().Permissions);

        // No mode on a symlink: refused, and the target stays as it was (fchmodat without NOFOLLOW would change it).
        Assert.Equal(95, Assert.Throws<IOException>(() => Dir.SetMode("link", 0x1FF)).HResult);
        Assert.Equal(0x9A4u, Dir.Stat("f").Permissions);

        long before1970 = -1_234_567_891_234_567_891L, recent = 1_700_000_000_123_456_789L;
        Dir.SetTimes("f", recent);
        Dir.SetTimes("link", before1970);
        Dir.SetTimes(".", recent + 1);
        Assert.Equal((recent, recent), (Dir.Stat("f").MtimeNs, Dir.Stat("f").AtimeNs));
        Assert.Equal(before1970, Dir.Stat("link").MtimeNs);
        Assert.Equal(recent + 1, Dir.StatSelf().MtimeNs);

        // Without root only the owner's own ids can be given: the calls must still succeed.
        uint uid = Posix.IsRoot ? 1234u : Dir.Stat("f").Uid, gid = Posix.IsRoot ? 5678u : Dir.Stat("f").Gid;
        uint linkUid = Posix.IsRoot ? 4321u : uid;
        Dir.SetOwner("f", uid, gid);
        Dir.SetOwner("link", linkUid, gid);
        Dir.SetOwner(".", uid, gid);
        Assert.Equal((uid, gid), (Dir.Stat("f").Uid, Dir.Stat("f").Gid));
        Assert.Equal((linkUid, gid), (Dir.Stat("link").Uid, Dir.Stat("link").Gid));
        Assert.Equal((uid, gid), (Dir.StatSelf().Uid, Dir.StatSelf().Gid));
    }

    [Fact]
    public void A_disposed_handle_refuses_calls()
    {
        var handle = DirectoryHandle.Open(_sandbox.Root);
        handle.Dispose();
        Assert.Throws<ObjectDisposedException>(() => handle.List());
        Assert.Throws<ObjectDisposedException>(() => handle.Stat("x"));
    }

    private static List<string> Sorted(IEnumerable<byte[]> names) => names.Select(Convert.ToHexString).Order(StringComparer.Ordinal).ToList();
}
