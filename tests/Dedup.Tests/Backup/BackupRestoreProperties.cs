using Dedup.Native;
using Dedup.Snapshots;
using Dedup.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Dedup.Tests.Backup;

/// <summary>What is restored equals what was backed up, byte for byte and with mode and mtime, over random trees.</summary>
public class BackupRestoreProperties
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(12);

    [Fact]
    public void Restore_equals_the_original() =>
        Prop.ForAll(Arb.From(RandomTree.Generator), tree =>
        {
            using var sandbox = new Sandbox();
            string source = sandbox.Path("source");
            tree.WriteTo(source);
            string repo = TestRepository.Create(sandbox);
            var snapshot = TestRepository.Backup(repo, [source]);
            string target = sandbox.Path("target");
            TestRepository.Restore(repo, snapshot, target);
            TreeAssert.Equal(source, target + source);
        }).Check(Runs);

    [Fact]
    public void Restoring_a_sub_path_gives_that_subtree() =>
        Prop.ForAll(Arb.From(from tree in RandomTree.Generator where tree.Entries.Count > 0 from pick in Gen.Choose(0, 1000) select (tree, pick)), c =>
        {
            using var sandbox = new Sandbox();
            string source = sandbox.Path("source");
            c.tree.WriteTo(source);
            string repo = TestRepository.Create(sandbox);
            var snapshot = TestRepository.Backup(repo, [source]);
            var entry = c.tree.Entries[c.pick % c.tree.Entries.Count];
            string stored = source + "/" + entry.Path;
            string target = sandbox.Path("target");
            TestRepository.Restore(repo, snapshot, target, stored);
            TreeAssert.Equal(stored, target + stored);
            // Nothing but the chosen path (and its parents) was written.
            var written = Walk.Entries(target)
                .Where(p => new FileInfo(p).LinkTarget is not null || File.Exists(p))
                .Select(p => p[target.Length..]);
            Assert.All(written, p => Assert.True(p == stored || p.StartsWith(stored + "/", StringComparison.Ordinal), p));
        }).Check(Runs);

    [Fact]
    public void Incremental_and_differential_snapshots_restore_the_mutated_tree_and_keep_the_old_one() =>
        Prop.ForAll(Arb.From(from tree in RandomTree.Generator from mutations in Gen.Choose(1, 6) from seed in Gen.Choose(0, 10000) select (tree, mutations, seed)), c =>
        {
            using var sandbox = new Sandbox();
            string source = sandbox.Path("source");
            c.tree.WriteTo(source);
            string repo = TestRepository.Create(sandbox);
            var full = TestRepository.Backup(repo, [source], SnapshotKind.Full);
            string before = sandbox.Path("before");
            CopyTree(source, before);

            Mutate(source, c.mutations, new Random(c.seed));
            var incremental = TestRepository.Backup(repo, [source]);
            var differential = TestRepository.Backup(repo, [source], SnapshotKind.Differential);
            Assert.Equal(SnapshotKind.Incremental, incremental.Kind);
            Assert.Equal(full.Id, incremental.Reference);
            Assert.Equal(SnapshotKind.Differential, differential.Kind);
            Assert.Equal(full.Id, differential.Reference);

            foreach (var (snapshot, expected) in new[] { (incremental, source), (differential, source), (full, before) })
            {
                string target = sandbox.Path("restore-" + snapshot.ShortId);
                TestRepository.Restore(repo, snapshot, target);
                TreeAssert.Equal(expected, target + source);
            }
        }).Check(Runs);

    /// <summary>Adds, rewrites, appends to and deletes files, keeping the directory mtimes the test compares honest.</summary>
    private static void Mutate(string root, int count, Random rng)
    {
        for (int i = 0; i < count; i++)
        {
            var files = Walk.Entries(root).Where(f => File.Exists(f) && new FileInfo(f).LinkTarget is null).ToList();
            int action = files.Count == 0 ? 0 : rng.Next(4);
            string path = action == 0 ? Path.Combine(root, $"new-{i}-{rng.Next(1000)}.bin") : files[rng.Next(files.Count)];
            switch (action)
            {
                case 0: File.WriteAllBytes(path, RandomTree.Content(rng.Next(0, 50_000), rng.Next(10))); break;
                case 1:
                    File.SetUnixFileMode(path, (UnixFileMode)0x1A4);
                    var bytes = File.ReadAllBytes(path);
                    if (bytes.Length > 0) bytes[rng.Next(bytes.Length)] ^= 0xFF;
                    File.WriteAllBytes(path, bytes);
                    break;
                case 2:
                    File.SetUnixFileMode(path, (UnixFileMode)0x1A4);
                    File.AppendAllText(path, "appended line\n");
                    break;
                case 3: File.Delete(path); break;
            }
            if (File.Exists(path)) Posix.SetTimes(path, rng.NextInt64(1, 1L << 61));
        }
    }

    private static void CopyTree(string from, string to)
    {
        // cp -a keeps modes, times and symlinks exactly: the reference the old snapshot must still restore to.
        using var process = System.Diagnostics.Process.Start("cp", ["-a", from, to]);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
