using System.Text;
using System.Text.Json;
using Dedup.Check;
using Dedup.Packs;
using Dedup.Tests.Support;

namespace Dedup.Tests.Crypto;

public class EncryptionTests : IDisposable
{
    private const string Distinctive = "ZQX-contact-list-of-acme-7781";
    private readonly Sandbox _sandbox = new();
    private readonly string _source;

    public EncryptionTests()
    {
        _source = _sandbox.Path("Acme-Quarterly-Export");
        Directory.CreateDirectory(_source);
        // Random bytes around the marker: incompressible, so a plaintext repository stores it verbatim. Enough of them
        // that some pack holds two blobs: small blocks travel in groups of up to 256 KiB (ADR 0011).
        var rng = new Random(8);
        for (int i = 0; i < 16; i++)
        {
            var bytes = new byte[120_000];
            rng.NextBytes(bytes);
            Encoding.ASCII.GetBytes(Distinctive).CopyTo(bytes, 5000 + i);
            File.WriteAllBytes(Path.Combine(_source, $"{Distinctive}-{i}.bin"), bytes);
        }
    }

    public void Dispose() => _sandbox.Dispose();

    private static bool AnyFileContains(string root, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Any(f => File.ReadAllBytes(f).AsSpan().IndexOf(needle) >= 0);
    }

    [Fact]
    public void No_plaintext_of_names_or_content_reaches_the_repository()
    {
        string plain = TestRepository.Create(_sandbox, "plain", encrypted: false);
        string sealedRepo = TestRepository.Create(_sandbox, "sealed");
        TestRepository.Backup(plain, [_source]);
        TestRepository.Backup(sealedRepo, [_source]);
        Assert.True(AnyFileContains(plain, Distinctive)); // the probe can see it when it is there
        Assert.False(AnyFileContains(sealedRepo, Distinctive));
        Assert.False(AnyFileContains(sealedRepo, "Acme-Quarterly-Export")); // not even the source directory's name
    }

    [Fact]
    public void The_same_data_in_two_repositories_has_different_ids_and_pack_bytes()
    {
        string a = TestRepository.Create(_sandbox, "a"), b = TestRepository.Create(_sandbox, "b");
        TestRepository.Backup(a, [_source]);
        TestRepository.Backup(b, [_source]);
        using var ra = TestRepository.Open(a);
        using var rb = TestRepository.Open(b);
        Assert.NotEmpty(ra.IndexEntries());
        Assert.Empty(ra.IndexEntries().Select(e => e.Key).Intersect(rb.IndexEntries().Select(e => e.Key)));
        Assert.Empty(ra.Catalog.Packs().Select(p => p.Pack).Intersect(rb.Catalog.Packs().Select(p => p.Pack)));
    }

    private (string Repo, string Pack, byte[] Bytes, List<Core.PackEntry> Entries) BackedUpPack()
    {
        string repo = TestRepository.Create(_sandbox);
        TestRepository.Backup(repo, [_source]);
        using var repository = TestRepository.Open(repo);
        // The pack with the most blobs: blocks are spread at random over packs filling at once, so the first one
        // listed may hold a single blob, and the tests need two. One entry per blob: the members of a group (ADR 0011)
        // share theirs, and swapping a group with itself changes nothing. Data packs only: damage to a tree is reported
        // by snapshot, not by file.
        var (trees, _) = Dedup.Maintenance.Pruner.Reachable(repository.CreateTreeReader(), repository.Catalog.Snapshots());
        var (pack, entries) = repository.Catalog.Packs()
            .Select(p => (p.Pack, Entries: repository.Packs.ReadEntries(p.Pack, repository.Protection.Sealer)))
            .Where(p => !p.Entries.Any(e => trees.Contains(e.Block)))
            .Select(p => (p.Pack, Entries: p.Entries.DistinctBy(e => e.Offset).ToList()))
            .MaxBy(p => p.Entries.Count);
        Assert.True(entries.Count >= 2, $"no pack holds two blobs ({entries.Count})");
        string path = repository.Packs.PathOf(pack);
        return (repo, path, File.ReadAllBytes(path), entries);
    }

    private static CheckReport Check(string repo)
    {
        using var repository = TestRepository.Open(repo);
        return Checker.Run(repository, readData: true);
    }

    [Fact]
    public void A_flipped_byte_in_every_region_of_a_pack_is_detected()
    {
        var (repo, path, original, entries) = BackedUpPack();
        long trailerStart = entries[^1].Offset + entries[^1].StoredLength;
        var positions = new (string Region, long Offset)[]
        {
            ("header magic", 2), ("header scheme", 10), ("header reserved", 13),
            ("blob nonce", entries[0].Offset + 3), ("blob ciphertext", entries[0].Offset + 500), ("blob tag", entries[0].Offset + entries[0].StoredLength - 2),
            ("trailer", trailerStart + 40), ("footer count", original.Length - 24), ("footer checksum", original.Length - 12), ("footer magic", original.Length - 3),
        };
        foreach (var (region, offset) in positions)
        {
            var damaged = (byte[])original.Clone();
            damaged[offset] ^= 0x10;
            File.WriteAllBytes(path, damaged);
            var report = Check(repo);
            Assert.False(report.Ok, $"a flipped byte in the {region} went unnoticed");
            Assert.NotEmpty(report.AffectedFiles);
        }
        File.WriteAllBytes(path, original);
        Assert.True(Check(repo).Ok);
    }

    [Fact]
    public void Swapped_blobs_and_truncated_packs_are_detected()
    {
        var (repo, path, original, entries) = BackedUpPack();
        // Exchange the first two blobs' bytes (as far as the shorter one goes): each now sits under another id.
        var swapped = (byte[])original.Clone();
        int n = Math.Min(entries[0].StoredLength, entries[1].StoredLength);
        original.AsSpan((int)entries[1].Offset, n).CopyTo(swapped.AsSpan((int)entries[0].Offset));
        original.AsSpan((int)entries[0].Offset, n).CopyTo(swapped.AsSpan((int)entries[1].Offset));
        File.WriteAllBytes(path, swapped);
        Assert.False(Check(repo).Ok);

        File.WriteAllBytes(path, original.AsSpan(0, original.Length - 100).ToArray());
        Assert.False(Check(repo).Ok);
    }

    [Fact]
    public void Keys_add_passwd_remove_and_wrong_passwords()
    {
        var cli = new DedupCli(_sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        Assert.Equal(0, cli.Run("backup", _source).ExitCode);

        var keys = JsonDocument.Parse(cli.Run("key", "list", "--json").Stdout).RootElement;
        Assert.Equal(1, keys.GetArrayLength());
        Assert.Equal(8 * 1024, keys[0].GetProperty("memory_kib").GetInt32()); // KDF parameters come from the key file
        string first = keys[0].GetProperty("id").GetString()!;

        File.WriteAllText(_sandbox.Path("second.txt"), "second password\n");
        Assert.Equal(0, cli.Run("key", "add", "--new-password-file", _sandbox.Path("second.txt"), "--kdf-memory", "16", "--kdf-iterations", "1").ExitCode);
        keys = JsonDocument.Parse(cli.Run("key", "list", "--json").Stdout).RootElement;
        Assert.Equal(2, keys.GetArrayLength());
        Assert.Contains(keys.EnumerateArray(), k => k.GetProperty("memory_kib").GetInt32() == 16 * 1024);

        cli.Password = "second password";
        Assert.Equal(0, cli.Run("snapshots").ExitCode);
        Assert.Equal(0, cli.Run("key", "remove", first).ExitCode);
        cli.Password = TestRepository.Password;
        var wrong = cli.Run("snapshots");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Single(wrong.StderrLines);
        Assert.Contains("wrong password", wrong.Stderr);

        cli.Password = "second password";
        File.WriteAllText(_sandbox.Path("third.txt"), "third");
        Assert.Equal(0, cli.Run("key", "passwd", "--new-password-file", _sandbox.Path("third.txt"), "--kdf-memory", "8", "--kdf-iterations", "1").ExitCode);
        Assert.Equal(1, cli.Run("snapshots").ExitCode);
        cli.Password = "third";
        var list = JsonDocument.Parse(cli.Run("key", "list", "--json").Stdout).RootElement;
        Assert.Equal(1, list.GetArrayLength());
        var last = cli.Run("key", "remove", list[0].GetProperty("id").GetString()!);
        Assert.Equal(1, last.ExitCode);
        Assert.Contains("last key", last.Stderr);
        Assert.Equal(0, cli.Run("restore", "latest", "--target", _sandbox.Path("out"), "--verify").ExitCode);
    }

    [Fact]
    public void A_wrong_password_writes_nothing_and_a_missing_one_is_asked_for()
    {
        var cli = new DedupCli(_sandbox.Path("repo"));
        cli.Init();
        cli.Run("backup", _source);
        var before = Directory.EnumerateFiles(_sandbox.Path("repo"), "*", SearchOption.AllDirectories)
            .ToDictionary(f => f, f => (new FileInfo(f).Length, File.GetLastWriteTimeUtc(f)));
        cli.Password = "not it";
        var result = cli.Run("backup", _source);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("wrong password", result.Stderr);
        var after = Directory.EnumerateFiles(_sandbox.Path("repo"), "*", SearchOption.AllDirectories)
            .ToDictionary(f => f, f => (new FileInfo(f).Length, File.GetLastWriteTimeUtc(f)));
        Assert.Equal(before, after);

        cli.Password = null;
        var missing = cli.Run("snapshots");
        Assert.Equal(1, missing.ExitCode);
        Assert.Single(missing.StderrLines);
        Assert.Contains("DEDUP_PASSWORD", missing.Stderr);
    }

    [Fact]
    public void An_edited_key_file_is_reported_as_damage()
    {
        var cli = new DedupCli(_sandbox.Path("repo"));
        cli.Init();
        string keyFile = Directory.EnumerateFiles(_sandbox.Path("repo", "keys")).Single();
        string original = File.ReadAllText(keyFile);
        foreach (var field in new[] { "salt", "wrapped", "memory_kib", "check" })
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(original)!;
            if (field == "memory_kib") node[field] = 9000;
            else
            {
                string value = node[field]!.GetValue<string>();
                node[field] = (value[0] == 'A' ? "B" : "A") + value[1..];
            }
            File.WriteAllText(keyFile, node.ToJsonString());
            var result = cli.Run("snapshots");
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("damaged", result.Stderr);
        }
        File.WriteAllText(keyFile, "{ not json");
        Assert.Contains("damaged", cli.Run("snapshots").Stderr);
        File.WriteAllText(keyFile, original);
        Assert.Equal(0, cli.Run("snapshots").ExitCode);
    }

    [Fact]
    public void A_plaintext_repository_needs_no_password()
    {
        var cli = new DedupCli(_sandbox.Path("repo")) { Password = null };
        Assert.Equal(0, cli.Run("init", "--encryption", "none").ExitCode);
        Assert.Equal(0, cli.Run("backup", _source).ExitCode);
        Assert.Equal(0, cli.Run("check", "--read-data").ExitCode);
        Assert.Equal(1, cli.Run("key", "list").ExitCode);
        using var repository = Repository.LocalRepository.Open(_sandbox.Path("repo"), TestRepository.Catalogs, () => throw new InvalidOperationException("asked"), "t", TimeSpan.Zero, false);
        Assert.Equal(PackFormat.SchemePlain, repository.Protection.Sealer.Scheme);
    }
}
