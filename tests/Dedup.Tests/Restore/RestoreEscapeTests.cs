using Dedup.Snapshots;
using Dedup.Tests.Support;

namespace Dedup.Tests.Restore;

/// <summary>A snapshot whose tree names a file "..": restore must refuse it as corruption and write nothing.</summary>
public class RestoreEscapeTests
{
    [Fact]
    public async Task A_stored_name_that_escapes_the_target_is_refused_with_one_clear_line()
    {
        using var sandbox = new Sandbox();
        string repo = TestRepository.Create(sandbox);
        string source = sandbox.Path("src");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "payload"), "should never be written");
        var honest = TestRepository.Backup(repo, [source]);

        using (var repository = TestRepository.Open(repo))
        {
            // Re-point the file at "..": encode without validation (as an attacker with the keys could), then commit.
            var trees = repository.CreateTreeReader();
            var payload = trees.Find(honest.Root, source + "/payload")!;
            var evil = TreeCodec.Encode(new Tree([payload with { Name = ".." }]));
            var evilId = repository.Hasher.Hash(evil);
            var root = TreeCodec.Encode(new Tree([new TreeNode("x", NodeType.Directory, 0x1ED, 0, 0, 0, Subtree: evilId)]));
            var rootId = repository.Hasher.Hash(root);
            await using (var assembler = repository.CreatePackAssembler(1))
            {
                await assembler.SaveCopyAsync(evilId, evil, default, Core.BlobKind.Tree);
                await assembler.SaveCopyAsync(rootId, root, default, Core.BlobKind.Tree);
                await assembler.FlushAsync();
            }
            repository.CommitSnapshot(honest with { Id = new string('e', 64), Root = rootId, Time = honest.Time.AddSeconds(1) });
        }

        string target = sandbox.Path("target", "inner");
        Directory.CreateDirectory(target);
        var result = new DedupCli(repo).Run("restore", "eeee", "--target", target);
        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.StderrLines);
        Assert.Contains("invalid file name", result.Stderr);
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(sandbox.Path("target"), "*", SearchOption.AllDirectories), p => p != target);
    }
}
