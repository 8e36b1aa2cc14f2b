using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Dedup.Tests.Support;

namespace Dedup.Tests.Compatibility;

/// <summary>
/// A repository written by an earlier dedup (Fixtures/repository-v1.tar.gz: format version 1, made by commit
/// 94b09af with `init --kdf-memory 8 --kdf-iterations 1`, two backups of /tmp/fx/src/app tagged set:app, the second
/// after contacts.csv lost its data row, then `verify latest`) opens, reads and checks with today's code, refuses
/// to be written until `dedup migrate` makes it format 2, and then takes new backups, survives the loss of its
/// catalog and checks. Keeps later changes from breaking repositories already on users' disks.
/// </summary>
public class OlderRepositoryTests() : FixtureRepository("repository-v1.tar.gz")
{
    private const string Source = "/tmp/fx/src/app";

    [Fact]
    public void A_version_1_repository_opens_restores_checks_and_after_migrate_takes_new_backups()
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

        // Writing into it would leave trees an older dedup cannot read: refused, with the way out.
        File.AppendAllText(target + Source + "/contacts.csv", "2,b@example.com\n");
        var refused = _cli.Run("backup", target + Source);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("dedup migrate", refused.Stderr);
        Assert.DoesNotContain("   at ", refused.Stderr);

        var migrated = Ok("migrate");
        Assert.Contains("from format version 1 to 2", migrated.Stdout + migrated.Stderr);
        var again = Ok("migrate");
        Assert.Contains("already format version 2", again.Stdout + again.Stderr);
        Assert.Equal(2, JsonDocument.Parse(File.ReadAllBytes(_sandbox.Path("repo/config.json"))).RootElement.GetProperty("version").GetInt32());
        Assert.Equal(2, Directory.GetFiles(_sandbox.Path("repo/snapshots")).Length);
        Ok("backup", target + Source);
        Ok("check", "--read-data");
        Assert.Equal(3, JsonDocument.Parse(Ok("snapshots", "--json").Stdout).RootElement.GetArrayLength());

        // Every snapshot, the migrated ones included, survives the loss of the catalog.
        File.Delete(_sandbox.Path("repo/catalog.db"));
        Ok("repair", "--catalog");
        Ok("check", "--read-data");
        Assert.Equal(3, JsonDocument.Parse(Ok("snapshots", "--json").Stdout).RootElement.GetArrayLength());
        Assert.Equal("id,email\n1,a@example.com\n", Ok("cat", first, Source + "/contacts.csv").Stdout);
    }
}

/// <summary>
/// A format-2 repository written before ADR 0010 (Fixtures/repository-v2-lists.tar.gz, made by commit 2c3d795 with
/// `init --kdf-memory 8 --kdf-iterations 1` and two backups of /tmp/fx2/src/app, the second after contacts.csv lost
/// its data row): its catalog keeps every pack's block list and its index runs are of the first layout
/// (`DDXRUN01`). It opens, restores and checks; a new backup beside it records its pack without a list; a prune
/// and a lost catalog later, every snapshot still restores.
/// </summary>
public class OlderFormat2RepositoryTests() : FixtureRepository("repository-v2-lists.tar.gz")
{
    private const string Source = "/tmp/fx2/src/app";

    [Fact]
    public void A_repository_with_pack_lists_in_its_catalog_and_old_runs_opens_takes_backups_prunes_and_rebuilds()
    {
        var snapshots = JsonDocument.Parse(Ok("snapshots", "--json").Stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, snapshots.Count);
        string first = snapshots[0].GetProperty("id").GetString()!;
        Assert.Equal("id,email\n1,a@example.com\n", Ok("cat", first, Source + "/contacts.csv").Stdout);
        Ok("check", "--read-data");

        string target = _sandbox.Path("restored");
        Ok("restore", "latest", "--target", target, "--verify");
        Assert.Equal(string.Concat(Enumerable.Range(1, 5000).Select(i => i + "\n")), File.ReadAllText(target + Source + "/metrics.csv"));
        Assert.Equal("<h1>Welcome</h1>\n", File.ReadAllText(target + Source + "/templates/welcome.html"));

        // A writer replaces the runs of the first layout; the new pack's record keeps no list.
        File.AppendAllText(target + Source + "/contacts.csv", "2,b@example.com\n");
        Ok("backup", target + Source);
        Assert.All(Directory.GetFiles(_sandbox.Path("repo/index"), "*.run"),
            run => Assert.Equal("DDXRUN02"u8.ToArray(), File.ReadAllBytes(run)[..8]));
        Ok("check", "--read-data");

        Ok("forget", first);
        Ok("prune", "--repack-below", "0.9");
        Ok("check", "--read-data");
        File.Delete(_sandbox.Path("repo/catalog.db"));
        Ok("repair", "--catalog");
        Ok("check", "--read-data");
        Assert.Equal(2, JsonDocument.Parse(Ok("snapshots", "--json").Stdout).RootElement.GetArrayLength());
        Assert.Equal("id,email\n2,b@example.com\n", Ok("cat", "latest", target + Source + "/contacts.csv").Stdout);
    }
}

/// <summary>A fixture repository (Fixtures/NAME, extracted into a sandbox as repo/) and the CLI pointed at it.</summary>
public abstract class FixtureRepository : IDisposable
{
    protected readonly Sandbox _sandbox = new();
    protected readonly DedupCli _cli;

    protected FixtureRepository(string fixture)
    {
        using (var archive = new GZipStream(File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture)), CompressionMode.Decompress))
            TarFile.ExtractToDirectory(archive, _sandbox.Root, overwriteFiles: false);
        _cli = new DedupCli(_sandbox.Path("repo")) { Password = "fixture-password" };
    }

    public void Dispose() => _sandbox.Dispose();

    /// <summary>Runs a command that must succeed.</summary>
    protected DedupCli.Result Ok(params string[] args)
    {
        var result = _cli.Run(args);
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)}: {result}");
        return result;
    }
}
