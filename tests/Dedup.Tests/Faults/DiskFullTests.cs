using Dedup.Repository;
using System.Diagnostics;
using Dedup.Catalog.LiteDb;
using Dedup.Check;
using Dedup.Core;
using Dedup.Restore;
using Dedup.Snapshots;
using Dedup.Tests.Support;
using Xunit.Abstractions;

namespace Dedup.Tests.Faults;

/// <summary>
/// A full disk under the repository or under the restore target, at many fill levels. Every command must fail
/// within seconds with one line that names the cause, and leave the repository as it was: it checks with every
/// block read, and the earlier snapshot restores. (A pack writer that died on ENOSPC used to leave the backup
/// waiting forever on a queue nobody read, holding the repository lock.) Each level starts from a fresh copy of
/// the same repository, so every level is a real failure and none benefits from what an earlier one left.
/// </summary>
public class DiskFullTests(ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;

    /// <summary>A hang fails the test at the first level that hangs instead of stalling the run.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public void A_backup_larger_than_the_free_space_fails_promptly_at_every_fill_level_and_changes_nothing()
    {
        if (!SmallDisk.Available()) return;
        using var sandbox = new Sandbox();
        var (pristine, first, firstSnapshot) = RepositoryWithOneSnapshot(sandbox);
        // 24 MB that does not compress: more than the most any level leaves free.
        string data = sandbox.Path("data");
        WriteRandomFiles(data, count: 6, minBytes: 4_000_000, maxBytes: 4_000_000, seed: 1);

        using var disk = SmallDisk.Ext4(sandbox.Path("disk"), 48);
        string repo = disk.Path("repo");
        var cli = new DedupCli(repo) { Timeout = Bound };
        double[] levels = [0.3, 0.5, 0.8, 1.2, 1.8, 2.6, 3.6, 5, 7, 10, 14, 20];
        foreach (double level in levels)
        {
            ResetTo(disk, pristine, repo, level);
            var (result, elapsed) = Timed(() => cli.Run("backup", data));
            AssertFailedForSpace(result, $"backup at {level} MiB free", elapsed);
            AssertAsItWas(repo, firstSnapshot, first, sandbox.Path($"restore-{level}"));
        }
        disk.RemoveFiller();
        AssertChecksAndRestoresByTheCli(cli, firstSnapshot, first, sandbox.Path("restore-cli"));
    }

    [Fact]
    public void A_prune_that_cannot_write_its_repacked_packs_fails_promptly_and_loses_nothing()
    {
        if (!SmallDisk.Available()) return;
        using var sandbox = new Sandbox();
        // Two snapshots, the second without every other file, then the first forgotten: most packs are half dead.
        string pristine = TestRepository.Create(sandbox, "pristine");
        string data = sandbox.Path("data");
        WriteRandomFiles(data, count: 160, minBytes: 40_000, maxBytes: 80_000, seed: 2);
        var first = TestRepository.Backup(pristine, [data]);
        foreach (var (i, file) in Directory.GetFiles(data).Order().Index())
            if (i % 2 == 0) File.Delete(file);
        var kept = TestRepository.Backup(pristine, [data]);
        using (var repository = TestRepository.Open(pristine)) repository.ForgetSnapshots([first.Id]);

        using var disk = SmallDisk.Ext4(sandbox.Path("disk"), 24);
        string repo = disk.Path("repo");
        var cli = new DedupCli(repo) { Timeout = Bound };
        DirectoryCopy.Copy(pristine, repo);
        long repacked = cli.Run("prune", "--repack-below", "1", "--dry-run", "--json").LastJson.GetProperty("bytes_repacked").GetInt64();
        double[] levels = [0.3, 0.6, 1, 1.5, 2.2, 3];
        Assert.True(repacked > (levels[^1] + 1) * MiB, $"the prune repacks only {repacked} bytes: the levels would not all be too full");
        foreach (double level in levels)
        {
            ResetTo(disk, pristine, repo, level);
            var (result, elapsed) = Timed(() => cli.Run("prune", "--repack-below", "1"));
            AssertFailedForSpace(result, $"prune at {level} MiB free", elapsed);
            AssertAsItWas(repo, kept, data, sandbox.Path($"restore-{level}"));
        }
        disk.RemoveFiller();
        AssertChecksAndRestoresByTheCli(cli, kept, data, sandbox.Path("restore-cli"));
    }

    [Fact]
    public void A_restore_into_a_full_target_fails_promptly_and_leaves_only_whole_files()
    {
        if (!SmallDisk.Available()) return;
        using var sandbox = new Sandbox();
        string repo = TestRepository.Create(sandbox);
        string data = sandbox.Path("data");
        WriteRandomFiles(Path.Combine(data, "a"), count: 20, minBytes: 200_000, maxBytes: 400_000, seed: 3);
        WriteRandomFiles(Path.Combine(data, "b"), count: 20, minBytes: 10_000, maxBytes: 200_000, seed: 4);
        File.CreateSymbolicLink(Path.Combine(data, "b", "link"), "../a/f000.bin");
        TestRepository.Backup(repo, [data]);
        var cli = new DedupCli(repo) { Timeout = Bound };

        using var disk = SmallDisk.Tmpfs(sandbox.Path("disk"), 16);
        string target = disk.Path("target");
        double[] levels = [0.3, 0.6, 1, 1.6, 2.5, 3.6, 5];
        long size = Walk.Entries(data).Where(File.Exists).Sum(f => new FileInfo(f).Length);
        Assert.True(size > (levels[^1] + 1) * MiB, $"the snapshot holds only {size} bytes: the levels would not all be too full");
        foreach (double level in levels)
        {
            disk.Clear();
            disk.FillLeaving((long)(level * MiB));
            var (result, elapsed) = Timed(() => cli.Run("restore", "latest", "--target", target));
            AssertFailedForSpace(result, $"restore at {level} MiB free", elapsed);
            var leftovers = Walk.Entries(disk.Root).Where(p => Path.GetFileName(p).Contains(".dedup-", StringComparison.Ordinal)).ToList();
            Assert.True(leftovers.Count == 0, $"at {level} MiB free the restore left temp files: {string.Join(", ", leftovers)}");
            // What is there is whole: a file is written under a temp name and renamed only once complete.
            foreach (var restored in Directory.Exists(target) ? Walk.Entries(target).Where(File.Exists) : [])
                Assert.Equal(File.ReadAllBytes(restored[target.Length..]), File.ReadAllBytes(restored));
        }
        disk.RemoveFiller();
        disk.Clear();
        var complete = cli.Run("restore", "latest", "--target", target, "--verify");
        Assert.True(complete.ExitCode == 0, complete.ToString());
        TreeAssert.Equal(data, target + data);
    }

    [Fact]
    public void A_large_file_that_cannot_fit_is_refused_before_any_of_it_is_written()
    {
        if (!SmallDisk.Available()) return;
        using var sandbox = new Sandbox();
        string repo = TestRepository.Create(sandbox, chunker: Dedup.Chunking.ChunkerParameters.Default);
        string data = sandbox.Path("data");
        WriteRandomFiles(data, count: 1, minBytes: 12 * (int)MiB, maxBytes: 12 * (int)MiB + 1, seed: 5);
        var snapshot = TestRepository.Backup(repo, [data]);

        using var disk = SmallDisk.Tmpfs(sandbox.Path("disk"), 16);
        disk.FillLeaving(6 * MiB);
        // Written by both workers in pieces, the file is reserved whole first: the full disk is met before any byte.
        var observer = new CountingObserver();
        var failure = Assert.ThrowsAny<Exception>(() =>
        {
            using var repository = TestRepository.Open(repo);
            new Dedup.Restore.Restorer(repository, repository.CreateTreeReader(), observer)
                .RestoreAsync(snapshot, [], disk.Path("target"), new Dedup.Restore.RestoreOptions { Workers = 2 }).GetAwaiter().GetResult();
        });
        Assert.True(StorageErrors.IsOutOfSpace(failure), failure.ToString());
        Assert.Equal(0, observer.Bytes);
        Assert.DoesNotContain(Walk.Entries(disk.Root), p => Path.GetFileName(p).Contains(".dedup-", StringComparison.Ordinal));
    }

    private sealed class CountingObserver : Dedup.Restore.IRestoreObserver
    {
        public long Bytes;
        public void BytesWritten(long bytes) => Interlocked.Add(ref Bytes, bytes);
        public void Error(string path, Exception error) { }
    }

    [Fact]
    public void A_restore_or_recover_fetching_packs_into_a_full_repository_fails_promptly()
    {
        if (!SmallDisk.Available() || !S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        string data = sandbox.Path("data");
        WriteRandomFiles(data, count: 3, minBytes: 4_000_000, maxBytes: 4_000_000, seed: 5);
        var origin = new DedupCli(sandbox.Path("origin")) { Timeout = Bound };
        Assert.Equal(0, origin.Init().ExitCode);
        Assert.Equal(0, origin.Run("backup", data).ExitCode);
        string bucket = S3TestServer.NewBucketName();
        Assert.Equal(0, origin.Run("remote", "add", "offsite", "--endpoint", S3TestServer.Endpoint!, "--bucket", bucket, "--create-bucket").ExitCode);
        Assert.Equal(0, origin.Run("mirror", "push").ExitCode);
        string location = $"s3:{S3TestServer.Endpoint}/{bucket}";

        // The catalog only: the packs stay in the bucket until something fetches them.
        string recovered = sandbox.Path("recovered");
        var recover = new DedupCli(recovered).Run("recover", "--remote", location);
        Assert.True(recover.ExitCode == 0, recover.ToString());

        using var disk = SmallDisk.Tmpfs(sandbox.Path("disk"), 24);
        string repo = disk.Path("repo");
        var cli = new DedupCli(repo) { Timeout = Bound };
        double[] levels = [0.3, 2, 6];
        foreach (double level in levels)
        {
            ResetTo(disk, recovered, repo, level);
            var (result, elapsed) = Timed(() => cli.Run("restore", "latest", "--target", sandbox.Path($"target-{level}"), "--remote", "offsite"));
            AssertFailedForSpace(result, $"restore --remote at {level} MiB free", elapsed);
            (result, elapsed) = Timed(() => cli.Run("recover", "--remote", location, "--all"));
            AssertFailedForSpace(result, $"recover --all at {level} MiB free", elapsed);
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(repo, "tmp")));
        }
        disk.RemoveFiller();
        var all = cli.Run("recover", "--remote", location, "--all");
        Assert.True(all.ExitCode == 0, all.ToString());
        var check = cli.Run("check", "--read-data");
        Assert.True(check.ExitCode == 0, check.ToString());
        string target = sandbox.Path("target");
        Assert.Equal(0, cli.Run("restore", "latest", "--target", target).ExitCode);
        TreeAssert.Equal(data, target + data);
    }

    [Fact]
    public void A_catalog_write_that_runs_out_of_space_says_so_and_no_later_write_is_silently_lost()
    {
        if (!SmallDisk.Available()) return;
        using var sandbox = new Sandbox();
        using var disk = SmallDisk.Tmpfs(sandbox.Path("disk"), 8);
        string path = disk.Path("catalog.db");
        using (LiteCatalog.Open(path, CatalogAccess.Create)) { }
        var rng = new Random(6);
        BlockId NewId() => BlockId.Read(RandomBytes(rng, BlockId.Size));
        var catalog = LiteCatalog.Open(path, CatalogAccess.ReadWrite);
        try
        {
            catalog.CommitSnapshot("before", RandomBytes(rng, 100), new Dictionary<BlockId, byte[]> { [NewId()] = RandomBytes(rng, 1000) });
            disk.FillLeaving(0);
            // One small tree: LiteDB's own rollback used to fail too and hide the cause ("discarded page must be writable").
            var full = Assert.ThrowsAny<Exception>(() =>
                catalog.CommitSnapshot("during", RandomBytes(rng, 100), new Dictionary<BlockId, byte[]> { [NewId()] = RandomBytes(rng, 1000) }));
            Assert.Contains("no space", full.Message, StringComparison.OrdinalIgnoreCase);
            disk.RemoveFiller();
            // LiteDB acknowledged writes after a failed one and never stored them: refusing them is the honest answer.
            Assert.ThrowsAny<DedupException>(() => catalog.AppendAudit("after", RandomBytes(rng, 10)));
        }
        finally { catalog.Dispose(); }
        // LiteDB's finalizer of the failed transaction used to throw on the GC thread and end the whole process.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var reopened = LiteCatalog.Open(path, CatalogAccess.ReadWrite);
        Assert.Equal(["before"], reopened.SnapshotRecords().Select(r => r.Id));
        Assert.Empty(reopened.AuditRecords());
    }

    [Fact]
    public void A_backup_whose_tmp_directory_is_not_writable_fails_promptly_with_one_line()
    {
        using var sandbox = new Sandbox();
        var (repo, first, firstSnapshot) = RepositoryWithOneSnapshot(sandbox);
        string data = sandbox.Path("data");
        WriteRandomFiles(data, count: 4, minBytes: 1_000_000, maxBytes: 1_000_000, seed: 7);
        string tmp = Path.Combine(repo, "tmp");
        File.SetUnixFileMode(tmp, (UnixFileMode)0x16D); // r-xr-xr-x
        // Root writes anywhere: the backup runs as nobody, for whom tmp/ is read-only.
        var prefix = Nobody.Prefix(sandbox, tmp, first);
        var cli = new DedupCli(repo) { Timeout = Bound };
        var (result, elapsed) = Timed(() => cli.RunWith(null, prefix, "backup", data));
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.True(result.StderrLines.Length == 1, $"expected one line on stderr: {result}");
        Assert.Contains(tmp, result.Stderr);
        Assert.True(elapsed < Bound, $"took {elapsed.TotalSeconds:0.0} s");
        output.WriteLine($"backup with tmp/ read-only failed in {elapsed.TotalSeconds:0.00} s: {result.Stderr.Trim()}");
        File.SetUnixFileMode(tmp, (UnixFileMode)0x1FF);
        AssertAsItWas(repo, firstSnapshot, first, sandbox.Path("restore"));
    }

    /// <summary>A repository (small chunks and packs) with one snapshot of a few small files.</summary>
    private static (string Repo, string Source, Snapshot Snapshot) RepositoryWithOneSnapshot(Sandbox sandbox)
    {
        string repo = TestRepository.Create(sandbox, "pristine");
        string first = sandbox.Path("first");
        WriteRandomFiles(first, count: 5, minBytes: 1_000, maxBytes: 50_000, seed: 0);
        return (repo, first, TestRepository.Backup(repo, [first]));
    }

    /// <summary>A fresh copy of the pristine repository on a disk left with <paramref name="freeMiB"/>: what the last
    /// level left is removed, and the filler is trimmed or extended rather than written again.</summary>
    private static void ResetTo(SmallDisk disk, string pristine, string repo, double freeMiB)
    {
        disk.Clear();
        long copy = Walk.Entries(pristine).Where(File.Exists).Sum(f => new FileInfo(f).Length);
        disk.FillLeaving((long)(freeMiB * MiB) + copy + MiB);
        DirectoryCopy.Copy(pristine, repo);
        disk.FillLeaving((long)(freeMiB * MiB));
    }

    private (DedupCli.Result, TimeSpan) Timed(Func<DedupCli.Result> run)
    {
        var clock = Stopwatch.StartNew();
        var result = run();
        return (result, clock.Elapsed);
    }

    private void AssertFailedForSpace(DedupCli.Result result, string what, TimeSpan elapsed)
    {
        output.WriteLine($"{what}: exit {result.ExitCode} in {elapsed.TotalSeconds:0.00} s: {result.Stderr.Trim()}");
        Assert.True(result.ExitCode == 1, $"{what}: {result}");
        Assert.True(result.StderrLines.Length == 1, $"{what}: expected one line on stderr: {result}");
        Assert.Contains("no space", result.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.True(elapsed < Bound, $"{what} took {elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Nothing left in tmp/, no new snapshot, every block reads back, and the snapshot restores: checked
    /// on the disk still full (reading needs no space), and without opening for writing, which would first
    /// repair what the failed run left.</summary>
    private static void AssertAsItWas(string repo, Snapshot snapshot, string source, string target)
    {
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(repo, "tmp")));
        using var repository = Repository.LocalRepository.Open(repo, TestRepository.Catalogs, () => TestRepository.Password, "test", TimeSpan.FromSeconds(10), forWriting: false);
        Assert.Equal([snapshot.Id], repository.Catalog.Snapshots().Select(s => s.Id));
        var report = Checker.Run(repository, readData: true);
        Assert.True(report.Ok, string.Join('\n', report.Errors));
        var restored = new Restorer(repository, repository.CreateTreeReader(), NullRestoreObserver.Instance)
            .RestoreAsync(snapshot, [], target, new RestoreOptions { Verify = true }).GetAwaiter().GetResult();
        Assert.Empty(restored.Failed);
        TreeAssert.Equal(source, target + source);
    }

    private static void AssertChecksAndRestoresByTheCli(DedupCli cli, Snapshot snapshot, string source, string target)
    {
        var check = cli.Run("check", "--read-data");
        Assert.True(check.ExitCode == 0, check.ToString());
        var restore = cli.Run("restore", snapshot.Id, "--target", target, "--verify");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        TreeAssert.Equal(source, target + source);
    }

    private static void WriteRandomFiles(string directory, int count, int minBytes, int maxBytes, int seed)
    {
        Directory.CreateDirectory(directory);
        var rng = new Random(seed);
        for (int i = 0; i < count; i++)
            File.WriteAllBytes(Path.Combine(directory, $"f{i:D3}.bin"), RandomBytes(rng, rng.Next(minBytes, maxBytes + 1)));
    }

    private static byte[] RandomBytes(Random rng, int length)
    {
        var bytes = new byte[length];
        rng.NextBytes(bytes);
        return bytes;
    }
}
