using System.Text.Json;
using Dedup.Tests.Support;

namespace Dedup.Tests.Check;

public class CorruptionTests
{
    [Fact]
    public void A_flipped_byte_in_a_pack_is_found_and_restore_fails_loudly()
    {
        using var sandbox = new Sandbox();
        string source = sandbox.Path("data");
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "contacts.csv"), RandomTree.Content(200_000, 1));
        File.WriteAllText(Path.Combine(source, "small.txt"), "unrelated");
        var cli = new DedupCli(sandbox.Path("repo"));
        cli.Init();
        Assert.Equal(0, cli.Run("backup", source).ExitCode);
        Assert.Equal(0, cli.Run("check", "--read-data").ExitCode);

        string pack = TestRepository.DataPackFiles(sandbox.Path("repo")).Single();
        var bytes = File.ReadAllBytes(pack);
        bytes[100] ^= 0x01; // inside the first blob
        File.WriteAllBytes(pack, bytes);

        Assert.Equal(0, cli.Run("check").ExitCode); // structure alone cannot see a flipped blob byte
        var check = cli.Run("check", "--read-data", "--json");
        Assert.Equal(1, check.ExitCode);
        var report = JsonDocument.Parse(check.Stdout).RootElement;
        Assert.Contains(Path.GetFileName(pack), report.GetProperty("damaged_packs")[0].GetString());
        Assert.Contains(report.GetProperty("affected_files").EnumerateArray(), f => f.GetString()!.EndsWith("/contacts.csv"));

        string target = sandbox.Path("restore");
        var restore = cli.Run("restore", "latest", source + "/contacts.csv", "--target", target);
        Assert.Equal(1, restore.ExitCode);
        Assert.Contains("damaged", restore.Stderr);
        Assert.False(File.Exists(target + source + "/contacts.csv"));
        Assert.Empty(Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories)); // no temp file left either

        Assert.Equal(1, cli.Run("cat", "latest", source + "/contacts.csv").ExitCode);
    }

    [Fact]
    public void A_missing_pack_is_named_with_the_snapshots_it_breaks()
    {
        using var sandbox = new Sandbox();
        string source = sandbox.Path("data");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "a.txt"), "alpha");
        var cli = new DedupCli(sandbox.Path("repo"));
        cli.Init();
        cli.Run("backup", source);
        File.Delete(TestRepository.DataPackFiles(sandbox.Path("repo")).Single()); // the trees, in their own pack, still name the file
        var check = cli.Run("check");
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("missing", check.Stderr);
        Assert.Contains("a.txt", check.Stderr);
    }
}
