using Dedup.Core;
using Dedup.Repository;
using Dedup.Tests.Support;

namespace Dedup.Tests.Packs;

/// <summary>The assembler's failure paths, without a full disk: a repository directory replaced by a file makes
/// every write there fail the way a full disk does, at a chosen step.</summary>
public class PackAssemblerTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Workers_that_cannot_open_a_pack_fail_the_waiting_save_and_the_flush_instead_of_hanging()
    {
        using var sandbox = new Sandbox();
        string repo = TestRepository.Create(sandbox);
        using var repository = TestRepository.Open(repo);
        Unusable(Path.Combine(repo, "tmp"));
        await using var assembler = repository.CreatePackAssembler(workers: 2);

        // Far more blocks than the queue holds: the saves block until a worker takes one, and no worker ever will.
        var saving = SaveRandomBlocksAsync(repository, assembler, count: 500, seed: 1);
        var failure = await Assert.ThrowsAsync<RepositoryWriteException>(() => saving.WaitAsync(Limit));
        Assert.Contains(repo, failure.Message);
        Assert.IsAssignableFrom<IOException>(failure.InnerException);
        await Assert.ThrowsAsync<RepositoryWriteException>(() => assembler.FlushAsync().WaitAsync(Limit));
    }

    [Fact]
    public async Task A_pack_that_cannot_be_committed_fails_the_flush_is_deleted_and_is_not_indexed()
    {
        using var sandbox = new Sandbox();
        string repo = TestRepository.Create(sandbox);
        using var repository = TestRepository.Open(repo);
        var assembler = repository.CreatePackAssembler(workers: 2);
        // Less than a pack: it stays open until the flush seals it, and its rename into packs/ is what fails.
        await SaveRandomBlocksAsync(repository, assembler, count: 10, seed: 2).WaitAsync(Limit);
        Unusable(Path.Combine(repo, "packs"));

        await Assert.ThrowsAsync<RepositoryWriteException>(() => assembler.FlushAsync().WaitAsync(Limit));
        await assembler.DisposeAsync().AsTask().WaitAsync(Limit);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(repo, "tmp")));
        Assert.Empty(repository.IndexEntries());
        Assert.Empty(repository.Catalog.Packs());
    }

    /// <summary>A directory of the repository replaced by a file: creating anything under it fails with an IOException.</summary>
    private static void Unusable(string directory)
    {
        Directory.Delete(directory, recursive: true);
        File.WriteAllText(directory, "not a directory");
    }

    private static async Task SaveRandomBlocksAsync(Dedup.Repository.LocalRepository repository, PackAssembler assembler, int count, int seed)
    {
        var rng = new Random(seed);
        var block = new byte[4096];
        for (int i = 0; i < count; i++)
        {
            rng.NextBytes(block);
            var buffer = PackAssembler.BlockBuffers.Rent(block.Length);
            block.CopyTo(buffer, 0);
            await assembler.SaveAsync(repository.Hasher.Hash(block), buffer, block.Length, CancellationToken.None);
        }
    }
}
