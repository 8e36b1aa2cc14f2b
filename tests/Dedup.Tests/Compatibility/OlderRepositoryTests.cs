using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Dedup.Tests.Support;

namespace Dedup.Tests.Compatibility;

/// <summary>
/// A repository written by an earlier dedup (Fixtures/repository-v1.tar.gz: format version 1, made by commit
/// 94b09af with `init --kdf-memory 8 --kdf-iterations 1`, two backups of /tmp/fx/src/app tagged set:app, the second
/// after contacts.csv lost its data row, then `verify latest`) opens, reads, checks and takes new backups with
/// today's code. Keeps later changes from breaking repositories already on users' disks.
/// </summary>
public class OlderRepositoryTests : IDisposable
{
    private const string Source = "/tmp/fx/src/app";
    private readonly Sandbox _sandbox = new();
    private readonly DedupCli _cli;

    public OlderRepositoryTests()
    {
        using (var archive = new GZipStream(File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Fixtures", "repository-v1.tar.gz")), CompressionMode.Decompress))
            TarFile.ExtractToDirectory(archive, _sandbox.Root, overwriteFiles: false);
        _cli = new DedupCli(_sandbox.Path("repo")) { Password = "fixture-password" };
    }

    public void Dispose() => _sandbox.Dispose();

    private DedupCli.Result Ok(params string[] args)
    {
        var result = _cli.Run(args);
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)}: {result}");
        return result;
    }

    [Fact]
    public void A_version_1_repository_opens_restores_checks_and_takes_new_backups()
    {
        var snapshots = JsonDocument.Parse(Ok("snapshots", "--json").Stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, snapshots.Count);
        Assert.All(snapshots, s => Assert.Equal("set:app", s.GetProperty("tags")[0].GetString()));
        string first = snapshots[0].GetProperty("id").GetString()!;

        Assert.Equal("id,email\n1,a@example.com\n", Ok("cat", first, Source + "/contacts.csv").Stdout);
        Assert.Equal("id,email\n", Ok("cat", "latest", Source + "/contacts.csv", "--tag", "set:app").Stdout);
        Ok("check", "--read-data");
        Assert.Contains("drill", Ok("audit", "--since", "3650d").Stdout);

        string target = _sandbox.Path("restored");
        Ok("restore", "latest", "--target", target, "--verify");
        Assert.Equal(string.Concat(Enumerable.Range(1, 5000).Select(i => i + "\n")), File.ReadAllText(target + Source + "/metrics.csv"));
        Assert.Equal("templates", new FileInfo(target + Source + "/current").LinkTarget);
        Assert.Equal("<h1>Welcome</h1>\n", File.ReadAllText(target + Source + "/templates/welcome.html"));

        // Today's code writes into it, and it still checks.
        File.AppendAllText(target + Source + "/contacts.csv", "2,b@example.com\n");
        Ok("backup", target + Source);
        Ok("check", "--read-data");
        Assert.Equal(3, JsonDocument.Parse(Ok("snapshots", "--json").Stdout).RootElement.GetArrayLength());
    }
}
