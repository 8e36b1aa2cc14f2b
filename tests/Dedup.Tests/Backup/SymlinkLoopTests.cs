using Dedup.Cli;
using Dedup.Cli.Commands;
using Dedup.Tests.Support;

namespace Dedup.Tests.Backup;

/// <summary>Links to their own directory: stored and restored as links, never walked into.</summary>
public class SymlinkLoopTests
{
    [Fact]
    public void A_tree_with_links_to_its_own_directories_backs_up_restores_and_is_sized_without_following_them()
    {
        using var sandbox = new Sandbox();
        string source = sandbox.Path("data");
        Directory.CreateDirectory(Path.Combine(source, "x", "b"));
        File.WriteAllBytes(Path.Combine(source, "x", "b", "file.bin"), new byte[10_000]);
        // Two links back to their own directory: a walk that follows links branches without end.
        File.CreateSymbolicLink(Path.Combine(source, "x", "b", "self-1"), "../b");
        File.CreateSymbolicLink(Path.Combine(source, "x", "b", "self-2"), "../b");
        File.CreateSymbolicLink(Path.Combine(source, "up"), ".");

        var counter = new ProgressCounter();
        var sized = Task.Run(() => SourceSize.Scan([source], counter));
        Assert.True(sized.Wait(TimeSpan.FromSeconds(30)), "the size pre-scan followed the links");
        Assert.Equal(10_000, counter.Total);
        Assert.Equal(1, counter.ItemsFound);

        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        var backup = cli.Run("backup", source, "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.Equal(10_000, backup.LastJson.GetProperty("bytes_read").GetInt64()); // file.bin once, nothing behind the links
        string target = sandbox.Path("target");
        Assert.Equal(0, cli.Run("restore", "latest", "--target", target).ExitCode);
        TreeAssert.Equal(source, target + source);
        Assert.Equal("../b", new FileInfo(target + source + "/x/b/self-1").LinkTarget);
    }
}
