using Dedup.Tests.Support;

namespace Dedup.Tests.Mirror;

/// <summary>What a user sees when the remote fails: one clear line on stderr, a non-zero exit, the local repository
/// untouched, and a later push that completes.</summary>
public class MirrorFaultTests
{
    private static (DedupCli Cli, string Source) Setup(Sandbox sandbox, int megabytes)
    {
        string source = sandbox.Path("data");
        new RandomTreeWriter(source, seed: megabytes).Write(files: Math.Max(1, megabytes / 4), bytesEach: 4_000_000);
        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        Assert.Equal(0, cli.Run("backup", source).ExitCode);
        return (cli, source);
    }

    /// <summary>Names, sizes and contents of every file in the repository except the lock files.</summary>
    internal static Dictionary<string, string> Fingerprint(string repo) =>
        Directory.EnumerateFiles(repo, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) is not ("lock" or "lock.owner"))
            .ToDictionary(f => f[repo.Length..], f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    internal static void AssertOneClearLine(DedupCli.Result result, string expected)
    {
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Single(result.StderrLines);
        Assert.Contains(expected, result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [Fact]
    public void Wrong_credentials_and_a_missing_bucket_are_one_line_each_and_touch_nothing()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        var (cli, _) = Setup(sandbox, 4);
        string bucket = S3TestServer.NewBucketName();
        Assert.Equal(0, cli.Run("remote", "add", "offsite", "--endpoint", S3TestServer.Endpoint!, "--bucket", bucket, "--create-bucket").ExitCode);
        Assert.Equal(0, cli.Run("remote", "add", "nobucket", "--endpoint", S3TestServer.Endpoint!, "--bucket", S3TestServer.NewBucketName(), "--no-check").ExitCode);
        var before = Fingerprint(sandbox.Path("repo"));

        cli.Environment["DEDUP_S3_SECRET_KEY"] = "not-the-secret";
        AssertOneClearLine(cli.Run("mirror", "push", "offsite"), "access denied");
        cli.Environment.Remove("DEDUP_S3_SECRET_KEY");
        AssertOneClearLine(cli.Run("mirror", "push", "nobucket"), "does not exist");
        cli.Environment["DEDUP_S3_ACCESS_KEY"] = "";
        cli.Environment["AWS_ACCESS_KEY_ID"] = "";
        AssertOneClearLine(cli.Run("mirror", "push", "offsite"), "no credentials");
        cli.Environment.Clear();

        Assert.Equal(before, Fingerprint(sandbox.Path("repo")));
        Assert.Equal(0, cli.Run("check", "--read-data").ExitCode);
        Assert.Equal(0, cli.Run("mirror", "push", "offsite").ExitCode);
    }

    [Fact]
    public void A_server_that_goes_down_mid_push_fails_cleanly_and_the_next_push_completes()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
        var (cli, _) = Setup(sandbox, 60);
        Assert.Equal(0, cli.Run("remote", "add", "offsite", "--endpoint", proxy.Endpoint, "--bucket", S3TestServer.NewBucketName(), "--create-bucket").ExitCode);
        var before = Fingerprint(sandbox.Path("repo"));
        cli.Environment["DEDUP_S3_RETRIES"] = "2";
        cli.Environment["DEDUP_S3_TIMEOUT"] = "5s";

        DedupCli.Result result;
        using (var process = cli.Start(null, "mirror", "push"))
        {
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            Poll.Until(() => proxy.BytesUp >= 20_000_000 || process.HasExited, TimeSpan.FromMinutes(2), "the push to send 20 MB");
            proxy.Stop();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "push did not give up");
            result = new DedupCli.Result(process.ExitCode, stdout.Result, stderr.Result);
        }
        AssertOneClearLine(result, "cannot reach");
        Assert.Contains("after 3 attempts", result.Stderr);
        Assert.Equal(before, Fingerprint(sandbox.Path("repo")));

        proxy.Start();
        Assert.Equal(0, cli.Run("check", "--read-data", "--remote", "offsite").ExitCode);
        var push = cli.Run("mirror", "push", "--json");
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.True(push.LastJson.GetProperty("packs_uploaded").GetInt32() + push.LastJson.GetProperty("packs_verified_in_place").GetInt32() > 0);
        Assert.Equal(0, cli.Run("mirror", "status").ExitCode);
    }

    [Fact]
    public void Throttling_is_retried_with_backoff_and_the_push_completes()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
        var (cli, _) = Setup(sandbox, 4);
        Assert.Equal(0, cli.Run("remote", "add", "offsite", "--endpoint", proxy.Endpoint, "--bucket", S3TestServer.NewBucketName(), "--create-bucket").ExitCode);
        proxy.Throttle(3);
        var push = cli.Run("mirror", "push", "--json");
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Equal("", push.Stderr);
        Assert.Equal(0, cli.Run("mirror", "status").ExitCode);

        // Throttled for longer than the retries last: one line that says so.
        proxy.Throttle(1000);
        cli.Environment["DEDUP_S3_RETRIES"] = "2";
        AssertOneClearLine(cli.Run("mirror", "status"), "SlowDown");
    }

    [Fact]
    public void A_hung_server_times_out_instead_of_waiting_forever()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
        var (cli, _) = Setup(sandbox, 4);
        Assert.Equal(0, cli.Run("remote", "add", "offsite", "--endpoint", proxy.Endpoint, "--bucket", S3TestServer.NewBucketName(), "--create-bucket").ExitCode);
        proxy.Current = FaultProxy.Mode.Hang;
        cli.Environment["DEDUP_S3_RETRIES"] = "1";
        cli.Environment["DEDUP_S3_TIMEOUT"] = "1s";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = cli.Run("mirror", "push");
        AssertOneClearLine(result, "did not answer within 1 s");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }
}
