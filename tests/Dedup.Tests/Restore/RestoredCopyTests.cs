using Dedup.Native;
using Dedup.Restore;
using Dedup.Tests.Support;

namespace Dedup.Tests.Restore;

public class RestoredCopyTests
{
    [Fact]
    public void A_drill_copy_is_removed_whatever_its_names_modes_and_depth_without_following_links()
    {
        using var sandbox = new Sandbox();
        string outside = sandbox.Path("outside.txt");
        File.WriteAllText(outside, "keep me");
        string copy = sandbox.Path("copy");
        Directory.CreateDirectory(copy);
        using (var dir = DirectoryHandle.Open(copy))
        {
            string latin1 = FileName.FromBytes([.. "caf"u8, 0xE9]);
            dir.CreateDirectory(latin1, 0b111_101_101);
            using (var sub = dir.OpenDirectory(latin1))
            {
                using (var _ = sub.CreateTempFile(out string temp)) sub.Rename(temp, FileName.FromBytes([0xFF, 0xFE]));
                sub.CreateSymlink("to-outside", outside);
                sub.CreateSymlink("to-parent", "..");
            }
            dir.SetMode(latin1, 0b101_101_101); // read-only, as a restore may leave it
        }
        string deepest = copy;
        for (int i = 0; i < 20; i++)
        {
            using var dir = DirectoryHandle.Open(deepest);
            dir.CreateDirectory(new string('d', 250), 0b111_101_101);
            deepest += "/" + new string('d', 250);
        }

        Assert.True(RestoredCopy.TryRemove(copy));
        Assert.False(Path.Exists(copy));
        Assert.Equal("keep me", File.ReadAllText(outside));
        Assert.True(RestoredCopy.TryRemove(copy)); // nothing there: nothing to do
    }
}
