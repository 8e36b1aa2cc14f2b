using Dedup.Core;
using Dedup.Mirror;
using Dedup.Restore;
using Dedup.Snapshots;
using Dedup.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Dedup.Tests.Mirror;

/// <summary>The disaster-recovery promise over random trees, against the real S3 server: back up, push, lose the
/// local repository, recover from the bucket alone, restore, and get the original back.</summary>
public class MirrorProperties
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public void Recovering_from_the_bucket_alone_restores_every_snapshot_exactly()
    {
        if (!S3TestServer.Available()) return;
        string bucket = S3TestServer.NewBucketName();
        using var _ = S3TestServer.CreateBucket(bucket);
        var cases = from first in RandomTree.Generator
                    from second in RandomTree.Generator
                    from allPacks in Gen.Elements(true, false)
                    select (first, second, allPacks);
        Prop.ForAll(Arb.From(cases), c =>
        {
            using var sandbox = new Sandbox();
            using var store = S3TestServer.Store(bucket, Guid.NewGuid().ToString("N"));
            string one = sandbox.Path("one"), two = sandbox.Path("two");
            c.first.WriteTo(one);
            c.second.WriteTo(two);
            // Middle-sized chunks (16 KiB average): many blocks and packs, without one range request per tiny block.
            string repo = TestRepository.Create(sandbox, chunker: new Dedup.Chunking.ChunkerParameters(4096, 16384, 65536));
            // Two pushes: the second adds a snapshot, packs and a catalog segment to what the first left.
            TestRepository.Backup(repo, [one]);
            Push(repo, store);
            TestRepository.Backup(repo, [one, two]);
            Push(repo, store);
            Directory.Delete(repo, recursive: true);

            string recovered = sandbox.Path("recovered");
            RemoteRecovery.RecoverAsync(store, recovered, TestRepository.Catalogs, () => TestRepository.Password,
                new RecoverOptions { AllPacks = c.allPacks }, None).GetAwaiter().GetResult();
            using var repository = TestRepository.Open(recovered);
            var snapshots = repository.Catalog.Snapshots();
            Assert.Equal(2, snapshots.Count);
            // Without --all nothing but the catalog came down: every block is read from the bucket by range.
            Assert.Equal(c.allPacks ? repository.Catalog.Packs().Count : 0, repository.Packs.List().Count());
            IBlockLoader loader = new RemoteBlockLoader(repository, store, None);
            var trees = repository.CreateTreeReader();
            foreach (var (snapshot, sources) in new[] { (snapshots[0], new[] { one }), (snapshots[1], new[] { one, two }) })
            {
                string target = sandbox.Path("target-" + snapshot.ShortId);
                new Restorer(loader, trees, NullRestoreObserver.Instance).RestoreAsync(snapshot, [], target, new RestoreOptions { Verify = true }).GetAwaiter().GetResult();
                foreach (var source in sources) TreeAssert.Equal(source, target + source);
            }
            if (c.allPacks) Assert.True(Dedup.Check.Checker.Run(repository, readData: true).Ok);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(8));
    }

    private static void Push(string repo, Dedup.Storage.IObjectStore store)
    {
        using var repository = TestRepository.Open(repo);
        var report = new MirrorPusher(repository, store, new PushOptions { PacksPerSegment = 3 }).PushAsync(None).GetAwaiter().GetResult();
        Assert.Empty(report.Problems);
    }
}
