using Dedup.Mirror;
using Dedup.Tests.Support;

namespace Dedup.Tests.Mirror;

/// <summary>A repository recovered from the bucket without its packs (recover's default): packs that are only in the
/// bucket are a state, not damage. check says where they are and reads them from there; verify and restore fetch them.</summary>
public class RecoveredRepositoryTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public void Check_verify_and_restore_work_after_a_catalog_only_recover_and_damage_in_the_only_copy_is_an_error()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        string source = sandbox.Path("data");
        new RandomTreeWriter(source, seed: 11).Write(files: 6, bytesEach: 3_000_000);
        File.WriteAllText(Path.Combine(source, "notes.txt"), "a small file among big ones");
        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        Assert.Equal(0, cli.Run("backup", source).ExitCode);
        string bucket = S3TestServer.NewBucketName();
        Assert.Equal(0, cli.Run("remote", "add", "offsite", "--endpoint", S3TestServer.Endpoint!, "--bucket", bucket, "--create-bucket").ExitCode);
        Assert.Equal(0, cli.Run("mirror", "push").ExitCode);
        int packs = Directory.EnumerateFiles(sandbox.Path("repo", "packs"), "*", SearchOption.AllDirectories).Count();

        Directory.Delete(sandbox.Path("repo"), recursive: true);
        string location = $"s3:{S3TestServer.Endpoint}/{bucket}";
        Assert.Equal(0, cli.Run("recover", "--remote", location).ExitCode);

        // Where the packs are: all in the bucket, none here, and that is no error.
        var check = cli.Run("check", "--json");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Equal(0, check.LastJson.GetProperty("packs_here").GetInt32());
        Assert.Equal(packs, check.LastJson.GetProperty("packs_elsewhere").GetProperty("offsite").GetInt32());
        var text = cli.Run("check");
        Assert.Contains($"{packs} packs: 0 here, {packs} only on offsite", text.Stdout);

        // With --read-data they are read from the bucket, and with --remote not read a second time.
        var read = cli.Run("check", "--read-data", "--json");
        Assert.True(read.ExitCode == 0, read.ToString());
        long bytes = read.LastJson.GetProperty("bytes_read_elsewhere").GetInt64();
        Assert.True(bytes > 18_000_000 && read.LastJson.GetProperty("blocks_read").GetInt64() > 0, read.ToString());
        var both = cli.Run("check", "--read-data", "--remote", "offsite");
        Assert.True(both.ExitCode == 0, both.ToString());
        Assert.Contains("no errors were found on offsite", both.Stdout);
        Assert.Empty(both.Stderr);

        // restore and verify without --remote: the repository's remote serves what is not here.
        string target = sandbox.Path("target");
        var one = cli.Run("restore", "latest", source + "/notes.txt", "--target", target, "--verify");
        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.Equal(File.ReadAllBytes(source + "/notes.txt"), File.ReadAllBytes(target + source + "/notes.txt"));
        var verify = cli.Run("verify", "latest");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        var all = cli.Run("restore", "latest", "--target", sandbox.Path("all"), "--verify");
        Assert.True(all.ExitCode == 0, all.ToString());
        TreeAssert.Equal(source, sandbox.Path("all") + source);

        // A second recovery, catalog only; then the bucket's copy of a pack is damaged, then gone: that is an error.
        var second = new DedupCli(sandbox.Path("second"));
        Assert.Equal(0, second.Run("recover", "--remote", location).ExitCode);
        using var store = S3TestServer.Store(bucket);
        var (key, _) = store.ListAsync(RemoteLayout.PacksPrefix, None).ToBlockingEnumerable().First();
        var damaged = store.GetAsync(key, None).GetAwaiter().GetResult();
        damaged[damaged.Length / 2] ^= 0x10;
        store.PutAsync(key, damaged, None).GetAwaiter().GetResult();
        var bad = second.Run("check", "--read-data");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("only on offsite, and that copy is damaged", bad.Stderr);
        Assert.Contains("affected snapshots", bad.Stderr);
        var badBoth = second.Run("check", "--read-data", "--remote", "offsite");
        Assert.Equal(1, badBoth.ExitCode);
        Assert.DoesNotContain("no errors were found", badBoth.Stdout);
        Assert.Contains("remote offsite has errors", badBoth.Stderr);
        store.DeleteAsync(key, None).GetAwaiter().GetResult();
        var missing = second.Run("check");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("missing, here and on offsite", missing.Stderr);
    }
}
