using Dedup.Native;
using Dedup.Snapshots;
using Dedup.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Dedup.Tests.Backup;

/// <summary>
/// Backup then restore reproduces any Linux tree, compared by a byte-level walk: names that are arbitrary bytes
/// (invalid UTF-8, names differing only in an invalid byte, 255-byte names), hard-link sets, extended attributes,
/// fifos, character devices (as root), sparse files; content, mode, uid/gid, mtime in ns, link structure, and
/// allocation (a sparse file stays sparse).
/// </summary>
public class FidelityProperties
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(15);

    private enum EntryKind { File, Directory, Symlink, Fifo, HardLink, Device, Sparse }

    private sealed record Entry(int Parent, byte[] Name, EntryKind Kind, byte[] Content, bool Xattr, uint Mode, long MtimeSeconds);

    private static readonly Gen<byte> NameByte =
        Gen.Frequency((6, Gen.Choose('a', 'z').Select(b => (byte)b)), (2, Gen.Choose(0x80, 0xFF).Select(b => (byte)b)), (1, Gen.Choose(1, 0x7F).Select(b => (byte)b)));

    private static readonly Gen<byte[]> Name = Gen.OneOf(
        NameByte.ArrayOf().Select(b => b.Where(x => x != '/').ToArray()).Where(b => b.Length is > 0 and <= 255 && !IsDotName(b)),
        Gen.Elements(new byte[] { (byte)'x', 0xFF, (byte)'y' }, "x\uFFFDy"u8.ToArray(), new byte[] { 0xC3, 0x28 }, new byte[] { 0xED, 0xB2, 0x80 }),
        Gen.Choose(1, 26).Select(c => Enumerable.Repeat((byte)('a' + c - 1), 255).ToArray()));

    private static bool IsDotName(byte[] b) => b is [(byte)'.'] or [(byte)'.', (byte)'.'];

    private static readonly Gen<Entry> EntryGen =
        from parent in Gen.Choose(0, 1000)
        from name in Name
        from kind in Gen.Frequency((5, Gen.Constant(EntryKind.File)), (3, Gen.Constant(EntryKind.Directory)), (1, Gen.Constant(EntryKind.Symlink)),
            (1, Gen.Constant(EntryKind.Fifo)), (2, Gen.Constant(EntryKind.HardLink)), (1, Gen.Constant(EntryKind.Device)), (1, Gen.Constant(EntryKind.Sparse)))
        from content in Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf()
        from xattr in Gen.Elements(true, false, false)
        from mode in Gen.Elements(0b110_100_100u, 0b111_101_101u, 0b110_000_000u, 0b100_100_100u)
        from mtime in Gen.Choose(0, 2_000_000_000)
        select new Entry(parent, name, kind, content, xattr, mode, mtime);

    [Fact]
    public void Any_tree_restores_byte_for_byte_with_its_links_attributes_and_holes() =>
        Prop.ForAll(Arb.From(EntryGen.ListOf().Select(l => l.ToList())), entries =>
        {
            using var sandbox = new Sandbox();
            string source = sandbox.Path("source");
            Directory.CreateDirectory(source);
            Build(source, entries);
            string repo = TestRepository.Create(sandbox);
            var snapshot = TestRepository.Backup(repo, [source]);
            string target = sandbox.Path("target");
            var result = TestRepository.Restore(repo, snapshot, target);
            Assert.Empty(result.Failed);
            ByteTree.AssertEqual(source, target + source);
        }).Check(Runs);

    /// <summary>
    /// The same, with the CLI run as an unprivileged user on a tree that user owns (as a user backs up a home
    /// directory): no chown, no O_NOATIME on files of others, devices impossible. Run as root, the tree is handed
    /// to nobody first; run as a normal user, it is the user's already.
    /// </summary>
    [Fact]
    public void Any_tree_an_unprivileged_user_owns_restores_byte_for_byte_when_that_user_runs_dedup() =>
        Prop.ForAll(Arb.From(EntryGen.Where(e => e.Kind != EntryKind.Device).ListOf().Select(l => l.ToList())), entries =>
        {
            using var sandbox = new Sandbox();
            string source = sandbox.Path("source");
            Directory.CreateDirectory(source);
            Build(source, entries);
            if (Posix.IsRoot) Assert.Equal(0, Exec.Run("chown", ["-hR", "65534:65534", source]).ExitCode);
            var asUser = Nobody.Prefix(sandbox, keepModes: source);
            var cli = new DedupCli(sandbox.Path("repo"));
            foreach (var step in new[] { (string[])["init", "--kdf-memory", "8", "--kdf-iterations", "1"], ["backup", source], ["restore", "latest", "--target", sandbox.Path("target")] })
            {
                var result = cli.RunWith(null, asUser, step);
                Assert.True(result.ExitCode == 0 && result.Stderr.Length == 0, $"{step[0]}: {result}");
            }
            ByteTree.AssertEqual(source, sandbox.Path("target") + source);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(6));

    /// <summary>Creates the entries through directory handles: .NET's own APIs cannot name a file that is not UTF-8.</summary>
    private static void Build(string root, List<Entry> entries)
    {
        var directories = new List<string> { root };
        var files = new List<(string Directory, string Name)>();
        foreach (var entry in entries)
        {
            string parentPath = directories[entry.Parent % directories.Count];
            using var parent = DirectoryHandle.Open(parentPath);
            string name = FileName.FromBytes(entry.Name);
            if (parent.TryStat(name) is not null) continue;
            string path = parentPath + "/" + name;
            switch (entry.Kind)
            {
                case EntryKind.Directory:
                    parent.CreateDirectory(name, 0b111_101_101);
                    directories.Add(path);
                    break;
                case EntryKind.Symlink:
                    parent.CreateSymlink(name, entry.Content.Length > 0 && !entry.Content.Contains((byte)0) ? FileName.FromBytes(entry.Content) : "dangling\xff");
                    break;
                case EntryKind.Fifo:
                    parent.CreateNode(name, FileStatus.Fifo | entry.Mode, 0);
                    break;
                case EntryKind.Device when Posix.IsRoot:
                    // A container may deny mknod of devices even to root: then the case has no device.
                    try { parent.CreateNode(name, FileStatus.CharDevice | 0b110_110_110, FileStatus.MakeDevice(1, 3)); }
                    catch (IOException) { continue; }
                    break;
                case EntryKind.HardLink when files.Count > 0:
                    var (dir, file) = files[entry.Content.Length % files.Count];
                    using (var from = DirectoryHandle.Open(dir)) from.Link(file, parent, name);
                    continue;
                default:
                    WriteFile(parent, name, entry);
                    files.Add((parentPath, name));
                    break;
            }
            // user.* attributes exist only on files and directories (the kernel refuses them on links and special files).
            if (entry.Xattr && entry.Kind is EntryKind.File or EntryKind.Directory or EntryKind.Sparse)
            {
                try { parent.WriteXattr(name, "user.fidelity", entry.Content); }
                catch (IOException e) when (e.HResult == 95) { } // a file system without user attributes
            }
            if (entry.Kind is not EntryKind.Symlink) parent.SetMode(name, entry.Kind == EntryKind.Directory ? 0b111_101_101 : entry.Mode);
            parent.SetTimes(name, entry.MtimeSeconds * 1_000_000_000L + entry.Content.Length);
        }
    }

    private static void WriteFile(DirectoryHandle parent, string name, Entry entry)
    {
        using (var handle = parent.CreateTempFile(out string temp))
        {
            if (entry.Kind == EntryKind.Sparse)
            {
                // Holes before, between and after two runs of data.
                RandomAccess.SetLength(handle, 64L << 20);
                RandomAccess.Write(handle, entry.Content.Length > 0 ? entry.Content : [1], 8L << 20);
                RandomAccess.Write(handle, new byte[70_000].Select((_, i) => (byte)i).ToArray(), 40L << 20);
            }
            else RandomAccess.Write(handle, entry.Content, 0);
            parent.Rename(temp, name);
        }
    }

    [Fact]
    public void Names_differing_only_in_an_invalid_byte_survive_incremental_and_differential_snapshots()
    {
        using var sandbox = new Sandbox();
        string source = sandbox.Path("source");
        Directory.CreateDirectory(source);
        using (var dir = DirectoryHandle.Open(source))
        {
            foreach (var (name, content) in new[] { (new byte[] { (byte)'x', 0xFF, (byte)'y' }, "1"u8.ToArray()), ("x\uFFFDy"u8.ToArray(), "2"u8.ToArray()) })
            {
                using var handle = dir.CreateTempFile(out string temp);
                RandomAccess.Write(handle, content, 0);
                dir.Rename(temp, FileName.FromBytes(name));
            }
        }
        string repo = TestRepository.Create(sandbox);
        TestRepository.Backup(repo, [source], SnapshotKind.Full);
        File.WriteAllText(source + "/new", "3");
        TestRepository.Backup(repo, [source], SnapshotKind.Incremental);
        var differential = TestRepository.Backup(repo, [source], SnapshotKind.Differential);
        var cli = new DedupCli(repo);
        var check = cli.Run("check", "--read-data");
        Assert.True(check.ExitCode == 0, check.ToString());
        var ls = cli.Run("ls", "latest", source);
        var listed = ls.Stdout.Split('\n');
        Assert.Contains(source + "/x\\xffy", listed);
        Assert.Contains(source + "/x\uFFFDy", listed);
        Assert.Equal("1", cli.Run("cat", "latest", source + "/x\\xffy").Stdout);
        string target = sandbox.Path("target");
        TestRepository.Restore(repo, differential, target);
        ByteTree.AssertEqual(source, target + source);
    }

    [Fact]
    public void A_path_longer_than_PATH_MAX_backs_up_and_restores()
    {
        using var sandbox = new Sandbox();
        string source = sandbox.Path("source");
        Directory.CreateDirectory(source);
        string deepest = source;
        string name = new('d', 250);
        for (int i = 0; i < 20; i++)
        {
            using var dir = DirectoryHandle.Open(deepest);
            dir.CreateDirectory(name, 0b111_101_101);
            deepest += "/" + name;
        }
        using (var dir = DirectoryHandle.Open(deepest))
        using (var handle = dir.CreateTempFile(out string temp))
        {
            RandomAccess.Write(handle, "deep"u8, 0);
            dir.Rename(temp, new string('f', 255));
        }
        Assert.True(deepest.Length > 4096);
        string repo = TestRepository.Create(sandbox);
        var snapshot = TestRepository.Backup(repo, [source]);
        string target = sandbox.Path("target");
        Assert.Empty(TestRepository.Restore(repo, snapshot, target).Failed);
        ByteTree.AssertEqual(source, target + source);
    }
}
