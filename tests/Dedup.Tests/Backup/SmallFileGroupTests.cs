using Dedup.Core;
using Dedup.Tests.Support;

namespace Dedup.Tests.Backup;

/// <summary>ADR 0011: the small files of a directory are stored in groups, and each still restores alone.</summary>
public class SmallFileGroupTests
{
    [Fact]
    public void A_directory_s_small_files_share_groups_and_each_restores_alone()
    {
        using var sandbox = new Sandbox();
        string source = sandbox.Path("templates");
        var files = new List<string>();
        for (int d = 0; d < 3; d++)
        {
            string dir = Path.Combine(source, $"campaign-{d}");
            Directory.CreateDirectory(dir);
            for (int f = 0; f < 40; f++)
            {
                string file = Path.Combine(dir, $"mail-{f}.html");
                File.WriteAllText(file, $"<html><body><h1>Campaign {d}, mail {f}</h1>" + string.Concat(Enumerable.Repeat($"<p>Dear {{{{name}}}}, offer {f * d}</p>", 20 + f)) + "</body></html>");
                files.Add(file);
            }
        }
        string repo = TestRepository.Create(sandbox, chunker: Dedup.Chunking.ChunkerParameters.Default);
        var snapshot = TestRepository.Backup(repo, [source]);

        using (var repository = TestRepository.Open(repo))
        {
            var grouped = repository.Catalog.Packs().SelectMany(p => repository.Packs.ReadEntries(p.Pack, repository.Protection.Sealer))
                .Where(e => e.Codec == Codec.Grouped).ToList();
            Assert.True(grouped.Count >= files.Count - 3, $"{grouped.Count} of {files.Count} files are in groups");
            // Groups do not mix directories: each directory's files are read (and grouped) on their own.
            Assert.True(grouped.Select(e => e.Offset).Distinct().Count() >= 3);
        }
        string one = files[57];
        TestRepository.Restore(repo, snapshot, sandbox.Path("one"), one);
        Assert.Equal(File.ReadAllBytes(one), File.ReadAllBytes(sandbox.Path("one") + one));
        Assert.Single(Directory.EnumerateFiles(sandbox.Path("one"), "*", SearchOption.AllDirectories));
        TestRepository.Restore(repo, snapshot, sandbox.Path("all"));
        foreach (var file in files) Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(sandbox.Path("all") + file));
    }

    [Fact]
    public void A_group_damaged_after_a_read_is_seen_by_the_next_repository_opened_in_the_same_process()
    {
        using var sandbox = new Sandbox();
        string source = sandbox.Path("scripts");
        Directory.CreateDirectory(source);
        for (int f = 0; f < 20; f++)
            File.WriteAllText(Path.Combine(source, $"job-{f}.sh"), string.Concat(Enumerable.Repeat($"echo step {f}\n", 30 + f)));
        string repo = TestRepository.Create(sandbox, chunker: Dedup.Chunking.ChunkerParameters.Default);
        TestRepository.Backup(repo, [source]);

        (BlockId Pack, PackEntry Entry) member;
        using (var repository = TestRepository.Open(repo))
        {
            member = repository.Catalog.Packs().SelectMany(p => repository.Packs.ReadEntries(p.Pack, repository.Protection.Sealer)
                .Where(e => e.Codec == Codec.Grouped).Select(e => (p.Pack, e))).First();
            ((IBlockLoader)repository).LoadBlock(member.Entry.Block); // decodes and keeps the group on this thread
        }
        string packFile = Directory.EnumerateFiles(Path.Combine(repo, "packs"), member.Pack.ToString(), SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(packFile);
        bytes[member.Entry.Offset + member.Entry.StoredLength / 2] ^= 0x10;
        File.WriteAllBytes(packFile, bytes);

        using (var repository = TestRepository.Open(repo))
            Assert.Throws<CorruptDataException>(() => { ((IBlockLoader)repository).LoadBlock(member.Entry.Block); });
    }
}
