using Dedup.Native;

namespace Dedup.Tests.Native;

public sealed class SparseFileTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly NativeSandbox _sandbox = new();
    private DirectoryHandle Dir => _sandbox.Handle;

    public void Dispose() => _sandbox.Dispose();

    private void Create(string name, long length, params (long Offset, int Length)[] writes)
    {
        string temp;
        using (var file = Dir.CreateTempFile(out temp))
        {
            RandomAccess.SetLength(file, length);
            foreach (var (offset, count) in writes)
            {
                var data = new byte[count];
                Random.Shared.NextBytes(data);
                RandomAccess.Write(file, data, offset);
            }
        }
        Dir.Rename(temp, name);
    }

    [Fact]
    public void Data_in_the_middle_of_a_hole_is_one_extent()
    {
        Create("sparse", 64 * MiB, (32 * MiB, (int)MiB));
        using var file = Dir.OpenFile("sparse");
        var (offset, length) = Assert.Single(SparseFile.DataExtents(file, 64 * MiB));
        // As fine as the file system keeps it: ext4 and tmpfs are exact; allow a MiB of granularity either side.
        Assert.InRange(offset, 31 * MiB, 32 * MiB);
        Assert.InRange(offset + length, 33 * MiB, 34 * MiB);
        Assert.True(Dir.Stat("sparse").Blocks * 512 < 4 * MiB);
    }

    [Fact]
    public void A_written_file_is_one_extent_and_an_empty_one_none()
    {
        Create("full", 0, (0, 100_000));
        Create("empty", 0);
        using (var file = Dir.OpenFile("full")) Assert.Equal([(0L, 100_000L)], SparseFile.DataExtents(file, 100_000));
        using (var file = Dir.OpenFile("empty")) Assert.Empty(SparseFile.DataExtents(file, 0));
    }

    [Fact]
    public void Extents_stop_at_the_size_asked_for()
    {
        Create("ends", 16 * MiB, (0, 4096), (16 * MiB - 4096, 4096));
        using var file = Dir.OpenFile("ends");
        var extents = SparseFile.DataExtents(file, 16 * MiB);
        Assert.Equal(2, extents.Count);
        Assert.Equal((0L, 16 * MiB), (extents[0].Offset, extents[1].Offset + extents[1].Length));
        Assert.Equal([(0L, 4096L)], SparseFile.DataExtents(file, 4096));
        Assert.Equal([(0L, 4096L)], SparseFile.DataExtents(file, 8 * MiB));
    }

    [Fact]
    public void A_hole_at_the_end_is_no_extent()
    {
        Create("tail", 8 * MiB, (0, 4096));
        using var file = Dir.OpenFile("tail");
        Assert.Equal([(0L, 4096L)], SparseFile.DataExtents(file, 8 * MiB));
    }

    [Fact]
    public void The_file_offset_is_left_where_it_was()
    {
        Create("f", 4 * MiB, (2 * MiB, 4096));
        using var file = Dir.OpenFile("f");
        int fd = (int)file.DangerousGetHandle();
        Assert.Equal(123, LibC.LSeek(fd, 123, LibC.SeekSet));
        SparseFile.DataExtents(file, 4 * MiB);
        Assert.Equal(123, LibC.LSeek(fd, 0, LibC.SeekCur));
    }
}
