using Dedup.Native;

namespace Dedup.Tests.Native;

public sealed class PosixTests : IDisposable
{
    private readonly NativeSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void LStat_finds_names_that_are_not_utf8()
    {
        string name = FileName.FromBytes([0x66, 0xFF, 0xED, 0xB2, 0x80]);
        NativeSandbox.WriteFile(_sandbox.Handle, name, new byte[10]);
        var st = Posix.LStat(_sandbox.Root + "/" + name);
        Assert.Equal((FileStatus.Regular, 10L), (st.Type, st.Size));
        Assert.Equal(_sandbox.Handle.Stat(name).Inode, st.Inode);
        Assert.Null(Posix.TryLStat(_sandbox.Root + "/" + FileName.FromBytes([0x66, 0xFE])));
    }

    [Fact]
    public void The_new_fields_match_what_stat_prints()
    {
        var data = new byte[20_000];
        NativeSandbox.WriteFile(_sandbox.Handle, "f", data);
        _sandbox.Handle.Link("f", _sandbox.Handle, "g");
        _sandbox.Handle.SetTimes("f", 1_600_000_000_987_654_321L);
        var st = Posix.LStat(_sandbox.Root + "/f");
        // %h links, %b 512-byte blocks, %X atime seconds
        string printed = NativeSandbox.Shell("stat -c '%h %b %X' \"$1\"", _sandbox.Root + "/f").Trim();
        Assert.Equal($"{st.Nlink} {st.Blocks} {st.AtimeNs / 1_000_000_000}", printed);
        Assert.Equal((2u, 1_600_000_000_987_654_321L), (st.Nlink, st.AtimeNs));
        Assert.True(st.Blocks * 512 >= 20_000);
        Assert.Equal(0ul, st.Rdev);
    }

    [Fact]
    public void Rdev_uses_glibcs_encoding()
    {
        Assert.Equal(FileStatus.MakeDevice(1, 3), Posix.LStat("/dev/null").Rdev);
        Assert.Equal(0x801ul, FileStatus.MakeDevice(8, 1));
        Assert.Equal(0x1000_5672_3489ul, FileStatus.MakeDevice(0x1234, 0x56789)); // from Python's os.makedev
        Assert.Equal(0xFFFF_A0FFul, FileStatus.MakeDevice(4000, 0xFFFFF));
    }

    [Fact]
    public void FStat_describes_the_open_file()
    {
        NativeSandbox.WriteFile(_sandbox.Handle, "f", new byte[7]);
        using var handle = _sandbox.Handle.OpenFile("f");
        var st = Posix.FStat(handle);
        Assert.Equal((_sandbox.Handle.Stat("f").Inode, 7L), (st.Inode, st.Size));
    }
}
