using Dedup.Tests.Support;

namespace Dedup.Tests.Mirror;

/// <summary>The mirror over https, against the test server's TLS port and its self-signed certificate.</summary>
public class MirrorTlsTests
{
    [Fact]
    public void A_bucket_over_https_is_pushed_recovered_and_restored_from_when_its_certificate_is_trusted()
    {
        if (!S3TestServer.Available()) return;
        string endpoint = S3TestServer.TlsEndpoint ?? throw new InvalidOperationException("scripts/s3-server.sh did not print DEDUP_TEST_S3_TLS_ENDPOINT");
        using var sandbox = new Sandbox();
        string source = sandbox.Path("data");
        Directory.CreateDirectory(source);
        var bytes = new byte[3_000_000];
        new Random(443).NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(source, "contacts.bin"), bytes);
        File.WriteAllText(Path.Combine(source, "template.html"), "<p>hello</p>");
        var cli = new DedupCli(sandbox.Path("repo"));
        cli.Environment["SSL_CERT_FILE"] = S3TestServer.Certificate!;
        Assert.Equal(0, cli.Init().ExitCode);
        Assert.Equal(0, cli.Run("backup", source).ExitCode);
        string bucket = S3TestServer.NewBucketName();
        var add = cli.Run("remote", "add", "offsite", "--endpoint", endpoint, "--bucket", bucket, "--create-bucket");
        Assert.True(add.ExitCode == 0, add.ToString());
        var push = cli.Run("mirror", "push");
        Assert.True(push.ExitCode == 0, push.ToString());

        // Untrusted (no SSL_CERT_FILE): one line that says so, at once, and nothing changes locally.
        var untrusted = new DedupCli(sandbox.Path("repo"));
        var before = MirrorFaultTests.Fingerprint(sandbox.Path("repo"));
        MirrorFaultTests.AssertOneClearLine(untrusted.Run("mirror", "push"), "TLS certificate of " + endpoint + " is not trusted");
        Assert.Equal(before, MirrorFaultTests.Fingerprint(sandbox.Path("repo")));

        Directory.Delete(sandbox.Path("repo"), recursive: true);
        var recover = cli.Run("recover", "--remote", $"s3:{endpoint}/{bucket}");
        Assert.True(recover.ExitCode == 0, recover.ToString());
        string target = sandbox.Path("target");
        var restore = cli.Run("restore", "latest", "--target", target, "--remote", "offsite", "--verify");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        TreeAssert.Equal(source, target + source);
        Assert.Equal(0, cli.Run("check", "--read-data", "--remote", "offsite").ExitCode);
    }
}
