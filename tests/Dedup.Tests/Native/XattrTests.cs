using Dedup.Native;
using Dedup.Tests.Support;

namespace Dedup.Tests.Native;

public sealed class XattrTests : IDisposable
{
    private const int NotPermitted = 1, NotSupported = 95;
    private readonly NativeSandbox _sandbox = new();
    private readonly DirectoryHandle? _mounted;
    private readonly string? _mountPoint;

    public XattrTests()
    {
        // /tmp is usually ext4 or overlay, both with user.*; failing that, a tmpfs (user.* since Linux 6.6).
        if (!Supported(_sandbox.Handle) && Posix.IsRoot)
        {
            _mountPoint = _sandbox.Root + "/tmpfs";
            Directory.CreateDirectory(_mountPoint);
            if (Exec.Run("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", _mountPoint]).ExitCode == 0)
                _mounted = DirectoryHandle.Open(_mountPoint);
            else _mountPoint = null;
        }
    }

    /// <summary>Where user.* attributes work, or null (the test then returns early, saying so).</summary>
    private DirectoryHandle? Dir
    {
        get
        {
            var dir = _mounted ?? _sandbox.Handle;
            if (Supported(dir)) return dir;
            Console.WriteLine("xattr test skipped: no file system with user.* extended attributes here");
            return null;
        }
    }

    private static bool Supported(DirectoryHandle dir)
    {
        NativeSandbox.WriteFile(dir, "probe", []);
        try
        {
            dir.WriteXattr("probe", "user.probe", [1]);
            return true;
        }
        catch (IOException e) when (e.HResult == NotSupported) { return false; }
        finally { dir.Delete("probe"); }
    }

    public void Dispose()
    {
        _mounted?.Dispose();
        if (_mountPoint is not null) Exec.Run("umount", [_mountPoint]);
        _sandbox.Dispose();
    }

    [Fact]
    public void Attributes_of_a_file_round_trip_byte_exact_and_sorted()
    {
        if (Dir is not { } dir) return;
        NativeSandbox.WriteFile(dir, "f", [1]);
        string oddName = "user." + FileName.FromBytes([0xFF, 0x61]);
        byte[] binary = [0, 1, 0xFF, 0xFE, 0, 0x80];
        var big = new byte[3000];
        Random.Shared.NextBytes(big);
        dir.WriteXattr("f", "user.x", binary);
        dir.WriteXattr("f", oddName, [2]);
        dir.WriteXattr("f", "user.empty", []);
        dir.WriteXattr("f", "user.big", big);
        dir.WriteXattr("f", "user.x", [9]); // replaces

        var read = dir.ReadXattrs("f").Where(a => a.Name.StartsWith("user.", StringComparison.Ordinal)).ToList();
        Assert.Equal(["user.big", "user.empty", "user.x", oddName], read.Select(a => a.Name));
        Assert.Equal([big, [], [9], [2]], read.Select(a => a.Value));

        // What another program sees: the attribute name's bytes exactly.
        if (Python() is { } python)
        {
            string names = NativeSandbox.Shell($"{python} -c \"import os,sys; print(sorted(n.hex() for n in map(os.fsencode, os.listxattr(os.fsencode(sys.argv[1])))))\" \"$1\"", ((_mountPoint ?? _sandbox.Root) + "/f"));
            Assert.Contains(Convert.ToHexString(FileName.ToBytes(oddName)).ToLowerInvariant(), names);
        }
    }

    [Fact]
    public void A_file_without_attributes_reads_empty_and_a_missing_one_fails()
    {
        if (Dir is not { } dir) return;
        NativeSandbox.WriteFile(dir, "plain", []);
        Assert.DoesNotContain(dir.ReadXattrs("plain"), a => a.Name.StartsWith("user.", StringComparison.Ordinal));
        Assert.Throws<FileNotFoundException>(() => dir.ReadXattrs("missing"));
        Assert.Throws<FileNotFoundException>(() => dir.WriteXattr("missing", "user.x", [1]));
        Assert.Throws<ArgumentException>(() => dir.ReadXattrs("a/b"));
    }

    [Fact]
    public void A_file_system_without_attributes_reads_empty()
    {
        if (!Posix.IsRoot) { Console.WriteLine("ramfs test skipped: mounting needs root"); return; }
        string mountPoint = _sandbox.Root + "/ramfs";
        Directory.CreateDirectory(mountPoint);
        if (Exec.Run("mount", ["-t", "ramfs", "ramfs", mountPoint]).ExitCode != 0) { Console.WriteLine("ramfs test skipped: cannot mount ramfs"); return; }
        try
        {
            using var dir = DirectoryHandle.Open(mountPoint);
            NativeSandbox.WriteFile(dir, "f", [1]);
            Assert.Empty(dir.ReadXattrs("f"));
            Assert.Empty(dir.ReadXattrs("."));
            Assert.Equal(NotSupported, Assert.Throws<IOException>(() => dir.WriteXattr("f", "user.x", [1])).HResult);
        }
        finally { Exec.Run("umount", [mountPoint]); }
    }

    [Fact]
    public void A_symlink_is_read_itself_and_refuses_user_attributes()
    {
        if (Dir is not { } dir) return;
        NativeSandbox.WriteFile(dir, "target", []);
        dir.WriteXattr("target", "user.on-target", [1]);
        dir.CreateSymlink("link", "target");

        Assert.Equal(NotPermitted, Assert.Throws<IOException>(() => dir.WriteXattr("link", "user.x", [1])).HResult);
        // The link's own attributes, never the target's.
        Assert.DoesNotContain(dir.ReadXattrs("link"), a => a.Name == "user.on-target");
        if (Posix.IsRoot)
        {
            dir.WriteXattr("link", "trusted.on-link", [5]);
            Assert.Contains(dir.ReadXattrs("link"), a => a.Name == "trusted.on-link" && a.Value.SequenceEqual(new byte[] { 5 }));
            Assert.DoesNotContain(dir.ReadXattrs("target"), a => a.Name == "trusted.on-link");
        }
    }

    [Fact]
    public void Directories_have_attributes_by_name_and_as_themselves()
    {
        if (Dir is not { } dir) return;
        dir.CreateDirectory("d", 0x1ED);
        dir.WriteXattr("d", "user.by-name", [1]);
        using (var d = dir.OpenDirectory("d"))
        {
            d.WriteXattr(".", "user.self", [2]);
            Assert.Equal(["user.by-name", "user.self"], d.ReadXattrs(".").Select(a => a.Name).Where(n => n.StartsWith("user.", StringComparison.Ordinal)));
        }
        Assert.Contains(dir.ReadXattrs("d"), a => a.Name == "user.self");
    }

    [Fact]
    public void Posix_acls_read_as_system_attributes_and_write_back()
    {
        if (Dir is not { } dir) return;
        if (!File.Exists("/usr/bin/setfacl") && !File.Exists("/bin/setfacl")) { Console.WriteLine("ACL test skipped: setfacl is not installed"); return; }
        string root = _mountPoint ?? _sandbox.Root;
        NativeSandbox.WriteFile(dir, "f", []);
        NativeSandbox.WriteFile(dir, "copy", []);
        dir.CreateDirectory("d", 0x1ED);
        var set = Exec.Run("setfacl", ["-m", "u:1234:r", root + "/f"]);
        if (set.ExitCode != 0) { Console.WriteLine($"ACL test skipped: {set.Stderr.Trim()}"); return; }
        NativeSandbox.Shell("setfacl -d -m g:4321:rx \"$1\"", root + "/d");

        var access = Assert.Single(dir.ReadXattrs("f"), a => a.Name == "system.posix_acl_access");
        Assert.Contains(dir.ReadXattrs("d"), a => a.Name == "system.posix_acl_default");
        dir.WriteXattr("copy", access.Name, access.Value);
        Assert.Contains("user:1234:r--", NativeSandbox.Shell("getfacl -p \"$1\"", root + "/copy"));
    }

    // The system's own interpreter, not a version manager's shim that takes a second to start.
    private static string? Python() => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : null;
}
