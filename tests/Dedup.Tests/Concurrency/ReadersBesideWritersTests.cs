using Dedup.Backup;
using Dedup.Check;
using Dedup.Maintenance;
using Dedup.Repository;
using Dedup.Restore;
using Dedup.Snapshots;
using Dedup.Tests.Support;

namespace Dedup.Tests.Concurrency;

/// <summary>
/// ADR 0008: readers run while a writer holds the repository (reading its immutable files, never waiting), readers
/// run beside each other, and a writer still excludes writers. The writer here is real: the engine holding the
/// repository for writing in this process, with a backup committed whose packs no index run covers yet and whose
/// catalog changes are still in LiteDB's log.
/// </summary>
public class ReadersBesideWritersTests : IDisposable
{
    private readonly Sandbox _sandbox = new();
    private readonly string _repo, _source;
    private readonly DedupCli _cli;

    public ReadersBesideWritersTests()
    {
        _repo = _sandbox.Path("repo");
        _source = _sandbox.Path("data");
        _cli = new DedupCli(_repo);
        Directory.CreateDirectory(Path.Combine(_source, "templates"));
        File.WriteAllText(Path.Combine(_source, "templates", "welcome.html"), "<h1>Welcome</h1>\n");
        File.WriteAllBytes(Path.Combine(_source, "contacts.db"), RandomTree.Content(600_000, 1));
    }

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void Every_reader_runs_beside_a_writer_and_sees_what_it_committed()
    {
        Assert.Equal(0, _cli.Init().ExitCode);
        Assert.Equal(0, _cli.Run("backup", _source, "-q").ExitCode);
        string first = System.Text.Json.JsonDocument.Parse(_cli.Run("snapshots", "--json").Stdout).RootElement[0].GetProperty("id").GetString()!;
        File.WriteAllBytes(Path.Combine(_source, "templates", "new-campaign.html"), RandomTree.Content(70_000, 2));
        File.WriteAllBytes(Path.Combine(_source, "contacts.db"), RandomTree.Content(650_000, 3));

        using (var writer = TestRepository.Open(_repo))
        {
            var second = BackupRunner.RunAsync(writer, new BackupRequest { Paths = [_source] }, NullBackupObserver.Instance, TimeProvider.System, CancellationToken.None)
                .GetAwaiter().GetResult().Snapshot;

            var snapshots = Ok(_cli.Run("snapshots", "--json"));
            Assert.Contains(second.Id, snapshots.Stdout);
            Assert.Contains("new-campaign.html", Ok(_cli.Run("ls", second.ShortId, "--long")).Stdout);
            Assert.Contains("new-campaign.html", Ok(_cli.Run("find", "*.html")).Stdout);
            Assert.Contains("new-campaign.html", Ok(_cli.Run("diff", first[..8], second.ShortId)).Stdout);
            var cat = _cli.Run("cat", "latest", Path.Combine(_source, "templates", "welcome.html"));
            Assert.Equal("<h1>Welcome</h1>\n", Ok(cat).Stdout);
            string target = _sandbox.Path("restored");
            Ok(_cli.Run("restore", "latest", "--target", target, "--verify"));
            TreeAssert.Equal(_source, target + _source);
            var check = Ok(_cli.Run("check", "--read-data"));
            Assert.Contains("writing the repository", check.Stdout + check.Stderr);
            Ok(_cli.Run("stats"));

            var secondWriter = _cli.Run("backup", _source);
            Assert.True(secondWriter.ExitCode == 11, secondWriter.ToString());
            Assert.Contains("locked by another dedup process", secondWriter.Stderr);
        }
        Assert.Equal(0, _cli.Run("check").ExitCode);
        Assert.Contains(first, _cli.Run("snapshots", "--json").Stdout);
    }

    [Fact]
    public void Readers_share_the_lock_and_a_writer_is_told_they_hold_it()
    {
        Assert.Equal(0, _cli.Init().ExitCode);
        Assert.Equal(0, _cli.Run("backup", _source, "-q").ExitCode);
        using (var reader = RepositoryLock.AcquireForReading(new RepositoryLayout(_repo), TimeSpan.Zero, waitForWriter: false))
        {
            Assert.Equal(LockMode.Shared, reader.Mode);
            Ok(_cli.Run("snapshots"));
            Ok(_cli.Run("ls", "latest"));
            var writer = _cli.Run("backup", _source);
            Assert.True(writer.ExitCode == 11, writer.ToString());
            Assert.Contains("being read by another dedup process", writer.Stderr);
        }
        Ok(_cli.Run("backup", _source, "-q"));
    }

    /// <summary>A prune deletes packs a reader located blocks in (after storing the live ones again): the reader looks
    /// again and restores the snapshot it listed, byte for byte, and check beside the prune reports no damage.</summary>
    [Fact]
    public void A_prune_beside_a_reader_moves_blocks_without_breaking_its_restore()
    {
        string repo = TestRepository.Create(_sandbox, "engine-repo");
        string source = _sandbox.Path("many");
        Directory.CreateDirectory(source);
        var rng = new Random(8);
        for (int i = 0; i < 60; i++) File.WriteAllBytes(Path.Combine(source, $"f{i:D2}.bin"), RandomTree.Content(20_000 + rng.Next(20_000), i));
        var first = TestRepository.Backup(repo, [source]);
        for (int i = 0; i < 60; i += 2) File.Delete(Path.Combine(source, $"f{i:D2}.bin"));
        var second = TestRepository.Backup(repo, [source]);

        using var writer = TestRepository.Open(repo);
        using var reader = Repository.LocalRepository.Open(repo, TestRepository.Catalogs, () => TestRepository.Password, "test reader", TimeSpan.Zero, forWriting: false);
        Assert.True(reader.BesideWriter);
        Assert.Equal([first.Id, second.Id], reader.Catalog.Snapshots().Select(s => s.Id));
        Assert.True(reader.TryLocate(second.Root, out _)); // the reader's index is read now, before the prune

        writer.ForgetSnapshots([first.Id]);
        var report = Pruner.RunAsync(writer, new PruneOptions { RepackBelow = 0.9 }, CancellationToken.None).GetAwaiter().GetResult();
        Assert.True(report.PacksRepacked > 0 && report.PacksDeleted + report.PacksRepacked > 0, "the prune moved no block");

        string target = _sandbox.Path("restored-beside-prune");
        new Restorer(reader, reader.CreateTreeReader(), NullRestoreObserver.Instance).RestoreAsync(second, [], target, new RestoreOptions { Verify = true }).GetAwaiter().GetResult();
        TreeAssert.Equal(source, target + source);
        Assert.Equal([second.Id], reader.Catalog.Snapshots().Select(s => s.Id));
        var check = Checker.Run(reader, readData: true);
        Assert.True(check.Ok, string.Join("\n", check.Errors));
    }

    private static DedupCli.Result Ok(DedupCli.Result result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
