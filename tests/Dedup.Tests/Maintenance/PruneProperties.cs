using Dedup.Check;
using Dedup.Maintenance;
using Dedup.Snapshots;
using Dedup.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Dedup.Tests.Maintenance;

/// <summary>Random sequences of backup, forget, prune and prunes killed with SIGKILL: every remaining snapshot
/// restores exactly, and after a completed prune nothing unreferenced remains (no block, tree or pack file).</summary>
public class PruneProperties
{
    private abstract record Op;
    /// <summary>Backs up the trees in <paramref name="Mask"/>, each in its own directory: snapshots share some trees,
    /// so forgetting one leaves packs partly live (what repacking is for).</summary>
    private sealed record BackupOp(int Mask) : Op;
    private sealed record ForgetOp(int KeepLast) : Op;
    private sealed record PruneOp(double RepackBelow) : Op;
    /// <summary>`dedup prune` as a process, killed with SIGKILL after a few hundred milliseconds (or finished by then).</summary>
    private sealed record KilledPruneOp(int DelayMs) : Op;

    private static readonly Gen<Op> OpGen = Gen.OneOf(
        Gen.Choose(1, 7).Select(m => (Op)new BackupOp(m)),
        Gen.Choose(1, 3).Select(n => (Op)new ForgetOp(n)),
        Gen.Elements(0.0, 0.5, 0.9, 1.0).Select(r => (Op)new PruneOp(r)),
        Gen.Choose(150, 700).Select(ms => (Op)new KilledPruneOp(ms)));

    [Fact]
    public void Backup_forget_prune_sequences_keep_every_remaining_snapshot_and_no_garbage()
    {
        var cases = from trees in Gen.ListOf(RandomTree.Generator, 3)
                    from ops in Gen.Choose(2, 8).SelectMany(n => Gen.ListOf(OpGen, n))
                    select (trees, ops);
        Prop.ForAll(Arb.From(cases), c =>
        {
            using var sandbox = new Sandbox();
            string repo = TestRepository.Create(sandbox);
            string source = sandbox.Path("source");
            var treeOf = new Dictionary<string, int>(StringComparer.Ordinal);
            // The last prune repacks every pack with any dead byte: after it, nothing unreferenced may remain.
            // (The default threshold leaves dead blocks in mostly live packs, trading space for rewriting.)
            foreach (var op in c.ops.Append(new BackupOp(1)).Append(new PruneOp(1.0)))
            {
                switch (op)
                {
                    case BackupOp b:
                        if (Directory.Exists(source)) Directory.Delete(source, recursive: true);
                        Write(c.trees, b.Mask, source);
                        treeOf[TestRepository.Backup(repo, [source]).Id] = b.Mask;
                        break;
                    case ForgetOp f:
                        using (var repository = TestRepository.Open(repo))
                        {
                            var snapshots = repository.Catalog.Snapshots();
                            if (snapshots.Count == 0) break;
                            var drop = Retention.Apply(snapshots, new RetentionPolicy { Last = f.KeepLast }).Where(d => !d.Keep).Select(d => d.Snapshot.Id).ToList();
                            repository.ForgetSnapshots(drop);
                        }
                        break;
                    case KilledPruneOp k:
                        using (var process = new DedupCli(repo).Start(null, "prune", "--repack-below", "0.9"))
                        {
                            process.StandardInput.Close();
                            if (!process.WaitForExit(k.DelayMs)) process.Kill(entireProcessTree: true);
                            process.WaitForExit();
                        }
                        break;
                    case PruneOp p:
                        using (var repository = TestRepository.Open(repo))
                            Pruner.RunAsync(repository, new PruneOptions { RepackBelow = p.RepackBelow }, CancellationToken.None).GetAwaiter().GetResult();
                        break;
                }
            }

            using (var repository = TestRepository.Open(repo))
            {
                var remaining = repository.Catalog.Snapshots();
                var (liveTrees, liveBlocks) = Pruner.Reachable(repository.CreateTreeReader(), remaining);
                Assert.DoesNotContain(liveBlocks, b => !repository.TryLocate(b, out _)); // nothing a snapshot needs is gone
                Assert.DoesNotContain(liveTrees, t => !repository.TryLocate(t, out _)); // every tree is a blob
                Assert.DoesNotContain(repository.IndexEntries().Select(e => e.Key), b => !liveBlocks.Contains(b));    // no unreferenced block
                Assert.DoesNotContain(repository.Catalog.TreeIds(), t => !liveTrees.Contains(t));
                Assert.Equal(repository.Catalog.Packs().Select(p => p.Pack).Order(), repository.Packs.List().Order());
                Assert.True(Checker.Run(repository, readData: true).Ok);
            }
            foreach (var snapshot in TestRepository.Open(repo).Using(r => r.Catalog.Snapshots()))
            {
                string expected = sandbox.Path("expected-" + snapshot.ShortId), target = sandbox.Path("target-" + snapshot.ShortId);
                Write(c.trees, treeOf[snapshot.Id], expected);
                TestRepository.Restore(repo, snapshot, target);
                TreeAssert.Equal(expected, target + source);
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(10));
    }

    private static void Write(IReadOnlyList<RandomTree> trees, int mask, string root)
    {
        Directory.CreateDirectory(root);
        for (int i = 0; i < trees.Count; i++)
            if ((mask & (1 << i)) != 0)
            {
                trees[i].WriteTo(Path.Combine(root, $"t{i}"));
                Dedup.Native.Posix.SetTimes(Path.Combine(root, $"t{i}"), 1_000_000_000L * (1_700_000_000 + i));
            }
        Dedup.Native.Posix.SetTimes(root, 1_000_000_000L * 1_700_000_000);
    }
}

internal static class DisposableExtensions
{
    public static T Using<TResource, T>(this TResource resource, Func<TResource, T> use) where TResource : IDisposable
    {
        using (resource) return use(resource);
    }
}

/// <summary>Repacking on purpose: every other file dropped, so every pack is about half live.</summary>
public class RepackTests
{
    [Theory]
    [InlineData(0.9, true)]
    [InlineData(0.1, false)]
    public void Half_live_packs_are_repacked_below_the_threshold_and_kept_above_it(double repackBelow, bool expectRepack)
    {
        using var sandbox = new Sandbox();
        string repo = TestRepository.Create(sandbox);
        string source = sandbox.Path("source");
        Directory.CreateDirectory(source);
        var rng = new Random(3);
        for (int i = 0; i < 60; i++)
        {
            var bytes = new byte[20_000 + rng.Next(20_000)];
            rng.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(source, $"f{i:D2}.bin"), bytes);
        }
        var first = TestRepository.Backup(repo, [source]);
        for (int i = 0; i < 60; i += 2) File.Delete(Path.Combine(source, $"f{i:D2}.bin"));
        var second = TestRepository.Backup(repo, [source]);
        PruneReport report;
        using (var repository = TestRepository.Open(repo))
        {
            repository.ForgetSnapshots([first.Id]);
            report = Pruner.RunAsync(repository, new PruneOptions { RepackBelow = repackBelow }, CancellationToken.None).GetAwaiter().GetResult();
        }
        Assert.Equal(expectRepack, report.PacksRepacked > 0);
        Assert.True(expectRepack ? report.BytesFreed > 500_000 : report.BytesFreed < 100_000, $"{report.BytesFreed} bytes freed");
        using (var repository = TestRepository.Open(repo))
        {
            Assert.True(Checker.Run(repository, readData: true).Ok);
            var (_, live) = Pruner.Reachable(repository.CreateTreeReader(), repository.Catalog.Snapshots());
            // The blobs live blocks sit in, each once: the members of a group (ADR 0011) share theirs.
            var liveBlobs = live.Select(b => repository.TryLocate(b, out var l) ? l : default).Where(l => l.StoredLength > 0).DistinctBy(l => (l.Pack, l.Offset));
            if (expectRepack) Assert.True(repository.Catalog.Packs().Sum(p => p.Length) < 1.3 * liveBlobs.Sum(l => (long)l.StoredLength));
        }
        string target = sandbox.Path("target");
        TestRepository.Restore(repo, second, target);
        TreeAssert.Equal(source, target + source);
    }
}
