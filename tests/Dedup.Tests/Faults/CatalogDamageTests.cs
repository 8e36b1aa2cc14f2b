using Dedup.Check;
using Dedup.Restore;
using Dedup.Core;
using Dedup.Repository;
using Dedup.Snapshots;
using Dedup.Tests.Support;

namespace Dedup.Tests.Faults;

/// <summary>
/// catalog.db is an index of the repository's files (format 2): whatever happens to it — a flipped byte anywhere, a
/// truncation, deletion — nothing is lost. A command either answers as before or says the catalog is damaged, and
/// `repair --catalog` rebuilds it from snapshots/ and packs/ with every snapshot intact. (600 trials on an encrypted
/// repository passed when this was written; the suite runs 60 of each.)
/// </summary>
public class CatalogDamageTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Random_flips_and_truncations_of_the_catalog_are_detected_or_harmless_and_repair_restores_everything(bool encrypted)
    {
        using var sandbox = new Sandbox();
        string source = sandbox.Path("source");
        Directory.CreateDirectory(source);
        string pristine = TestRepository.Create(sandbox, "pristine", encrypted);
        var expected = new List<string>();
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 20; i++) File.WriteAllText(Path.Combine(source, $"f{round}-{i}.txt"), $"round {round} file {i} " + new string('x', i * 300));
            expected.Add(Describe(TestRepository.Backup(pristine, [source])));
        }
        expected.Sort(StringComparer.Ordinal);
        long catalogLength = new FileInfo(Path.Combine(pristine, "catalog.db")).Length;

        var random = new Random(20261202);
        var silent = new List<string>();
        for (int trial = 0; trial < 60; trial++)
        {
            string repo = sandbox.Path($"trial{trial}");
            DirectoryCopy.Copy(pristine, repo);
            string catalog = Path.Combine(repo, "catalog.db");
            var bytes = File.ReadAllBytes(catalog);
            string damage;
            if (trial % 10 == 9)
            {
                File.Delete(catalog);
                damage = "deleted";
            }
            else if (trial % 3 == 2)
            {
                int length = random.Next(bytes.Length);
                File.WriteAllBytes(catalog, bytes[..length]);
                damage = $"truncated to {length} of {catalogLength}";
            }
            else
            {
                int at = random.Next(bytes.Length);
                bytes[at] ^= (byte)(1 << random.Next(8));
                File.WriteAllBytes(catalog, bytes);
                damage = $"bit flipped at {at}";
            }

            // Reading: the same snapshots, or an error that names the damage. Never a different answer.
            try
            {
                using var repository = TestRepository.Open(repo);
                var listed = repository.Catalog.Snapshots().Select(Describe).Order(StringComparer.Ordinal).ToList();
                if (!listed.SequenceEqual(expected)) silent.Add($"trial {trial} ({damage}): {string.Join(" | ", listed.Except(expected))}");
            }
            catch (DedupException) { }

            using (var repository = Repository.LocalRepository.OpenWithNewCatalog(repo, TestRepository.Catalogs, () => TestRepository.Password, TimeSpan.FromSeconds(10), TimeProvider.System))
                Assert.Empty(CatalogRebuilder.Run(repository).Problems);
            using (var repository = TestRepository.Open(repo))
            {
                Assert.Equal(expected, repository.Catalog.Snapshots().Select(Describe).Order(StringComparer.Ordinal));
                var report = Checker.Run(repository, readData: true);
                Assert.True(report.Ok, $"trial {trial} ({damage}): {string.Join("; ", report.Errors)}");
            }
            string target = sandbox.Path($"restored{trial}");
            using (var repository = TestRepository.Open(repo))
            {
                var latest = repository.Catalog.Snapshots().MaxBy(s => s.Time)!;
                Assert.Empty(new Restorer(repository, repository.CreateTreeReader(), NullRestoreObserver.Instance)
                    .RestoreAsync(latest, [], target, new RestoreOptions { Verify = true }).GetAwaiter().GetResult().Failed);
            }
            TreeAssert.Equal(source, target + source);
        }
        // A plaintext repository authenticates nothing in its catalog records: a flipped byte inside one can change
        // what `snapshots` shows (its id is checked against its key, nothing more). Repair still restores everything.
        if (encrypted) Assert.True(silent.Count == 0, "damage answered as if nothing happened: " + string.Join("; ", silent));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("deleted")]
    public void A_backup_that_finds_the_catalog_damaged_rebuilds_it_and_goes_on(string damage)
    {
        using var sandbox = new Sandbox();
        string source = sandbox.Path("source");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "contacts.csv"), "id,email\n1,a@example.com\n");
        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        Assert.Equal(0, cli.Run("backup", source).ExitCode);
        string catalog = sandbox.Path("repo/catalog.db");
        if (damage == "deleted") File.Delete(catalog);
        else File.WriteAllBytes(catalog, File.ReadAllBytes(catalog)[..4096]);

        // A reader reports the damage and changes nothing; the next backup heals it.
        var reader = cli.Run("snapshots");
        Assert.True(reader.ExitCode != 0 && reader.StderrLines.Length == 1 && reader.Stderr.Contains("repair --catalog"), reader.ToString());
        File.AppendAllText(Path.Combine(source, "contacts.csv"), "2,b@example.com\n");
        var backup = cli.Run("backup", source);
        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.Contains("rebuilding it from snapshots/ and packs/", Assert.Single(backup.StderrLines));
        Assert.Equal(2, System.Text.Json.JsonDocument.Parse(cli.Run("snapshots", "--json").Stdout).RootElement.GetArrayLength());
        Assert.Equal(0, cli.Run("check", "--read-data").ExitCode);
        Assert.Equal("id,email\n1,a@example.com\n2,b@example.com\n", cli.Run("cat", "latest", source + "/contacts.csv").Stdout);
    }

    private static string Describe(Snapshot s) =>
        $"{s.Id} {s.Time:O} {s.Host} {string.Join(',', s.Paths)} {string.Join(',', s.Tags)} {s.Kind} {s.Reference} {s.Root} {s.Totals}";
}
