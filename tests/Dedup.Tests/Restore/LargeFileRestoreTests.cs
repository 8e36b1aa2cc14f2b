using Dedup.Core;
using Dedup.Restore;
using Dedup.Tests.Support;

namespace Dedup.Tests.Restore;

/// <summary>A large file is written by several workers at once (runs of its blocks, positional writes in any order):
/// the result must be the file, byte for byte and with its hole, and damage anywhere in it must fail the file
/// whole, leaving no temp file behind.</summary>
public class LargeFileRestoreTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void A_large_sparse_file_restores_byte_for_byte_whatever_the_workers(int workers)
    {
        using var sandbox = new Sandbox();
        string repo = TestRepository.Create(sandbox);
        string source = sandbox.Path("data");
        Directory.CreateDirectory(source);
        string database = Path.Combine(source, "contacts.db");
        using (var file = new FileStream(database, FileMode.CreateNew))
        {
            file.Write(RandomTree.Content(2_500_000, 1));
            file.Seek(1 << 20, SeekOrigin.Current); // a 1 MiB hole
            file.Write(RandomTree.Content(3_100_000, 2));
        }
        var snapshot = TestRepository.Backup(repo, [source]);

        string target = sandbox.Path("restored");
        using (var repository = TestRepository.Open(repo))
        {
            var result = new Restorer(repository, repository.CreateTreeReader(), NullRestoreObserver.Instance)
                .RestoreAsync(snapshot, [], target, new RestoreOptions { Verify = true, Workers = workers }).GetAwaiter().GetResult();
            Assert.Empty(result.Failed);
        }
        Assert.Equal(File.ReadAllBytes(database), File.ReadAllBytes(target + database));
        TreeAssert.Equal(source, target + source);
    }

    [Fact]
    public void Damage_in_the_middle_of_a_large_file_fails_that_file_and_leaves_no_temp_file()
    {
        using var sandbox = new Sandbox();
        string repo = TestRepository.Create(sandbox);
        string source = sandbox.Path("data");
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "contacts.db"), RandomTree.Content(6_000_000, 3));
        File.WriteAllText(Path.Combine(source, "small.txt"), "kept");
        var snapshot = TestRepository.Backup(repo, [source]);
        using var repository = TestRepository.Open(repo);
        var node = repository.CreateTreeReader().Find(snapshot.Root, Path.Combine(source, "contacts.db"))!;
        Assert.True(repository.TryLocate(node.Content[node.Content.Count / 2], out var middle));
        using (var pack = new FileStream(repository.Packs.PathOf(middle.Pack), FileMode.Open))
        {
            pack.Position = middle.Offset + middle.StoredLength / 2;
            int b = pack.ReadByte();
            pack.Position--;
            pack.WriteByte((byte)(b ^ 0x5A));
        }

        string target = sandbox.Path("restored");
        var result = new Restorer(repository, repository.CreateTreeReader(), NullRestoreObserver.Instance)
            .RestoreAsync(snapshot, [], target, new RestoreOptions { Workers = 4 }).GetAwaiter().GetResult();
        Assert.Equal([Path.Combine(source, "contacts.db")], result.Failed);
        Assert.Equal("small.txt", Path.GetFileName(Assert.Single(Directory.GetFiles(target + source))));
    }
}
