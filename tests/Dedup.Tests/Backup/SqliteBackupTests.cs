using Dedup.Core;
using Dedup.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Dedup.Tests.Backup;

public class SqliteBackupTests
{
    [Fact]
    public void A_few_updates_to_a_real_database_add_far_less_than_the_file()
    {
        using var sandbox = new Sandbox();
        var (dir, db, connectionString) = NewDatabase(sandbox);
        using (var connection = new SqliteConnection(connectionString))
        {
            connection.Open();
            Execute(connection, "CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, opted_in INTEGER, notes TEXT)");
            using var tx = connection.BeginTransaction();
            var rng = new Random(5);
            for (int i = 0; i < 40_000; i++)
                Execute(connection, $"INSERT INTO contacts VALUES ({i}, 'user{i}@example.com', 'Name {rng.Next()}', {i % 2}, '{new string('x', rng.Next(20, 120))}')", tx);
            tx.Commit();
        }
        long fileSize = new FileInfo(db).Length;
        Assert.True(fileSize > 4_000_000, $"database is only {fileSize} bytes");

        // The production chunk sizes: what matters is how the real configuration handles a database.
        string repo = TestRepository.Create(sandbox, chunker: Dedup.Chunking.ChunkerParameters.Default);
        var first = TestRepository.Backup(repo, [dir]);
        string firstCopy = sandbox.Path("first");
        File.Copy(db, firstCopy);

        using (var connection = new SqliteConnection(connectionString))
        {
            connection.Open();
            foreach (int id in new[] { 17, 9_000, 21_345, 39_999 })
                Execute(connection, $"UPDATE contacts SET opted_in = 1 - opted_in, notes = 'changed' WHERE id = {id}");
            Execute(connection, "INSERT INTO contacts VALUES (50000, 'new@example.com', 'New', 1, 'fresh')");
        }
        var second = TestRepository.Backup(repo, [dir]);
        Assert.True(second.Totals.BytesAdded < fileSize / 20, $"second backup added {second.Totals.BytesAdded} of {fileSize} bytes");

        TestRepository.Restore(repo, first, sandbox.Path("r1"));
        TestRepository.Restore(repo, second, sandbox.Path("r2"));
        Assert.Equal(File.ReadAllBytes(firstCopy), File.ReadAllBytes(sandbox.Path("r1") + db));
        Assert.Equal(File.ReadAllBytes(db), File.ReadAllBytes(sandbox.Path("r2") + db));
    }

    [Fact]
    public void A_database_s_pages_are_stored_in_groups_that_restore_check_prune_and_damage_all_see()
    {
        using var sandbox = new Sandbox();
        var (dir, db, connectionString) = NewDatabase(sandbox);
        using (var connection = new SqliteConnection(connectionString))
        {
            connection.Open();
            Execute(connection, "CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, status TEXT, attributes TEXT)");
            using var tx = connection.BeginTransaction();
            var rng = new Random(11);
            for (int i = 0; i < 30_000; i++)
                Execute(connection, $"INSERT INTO contacts VALUES ({i}, 'user{i}@example.com', '{(i % 3 == 0 ? "bounced" : "subscribed")}', " +
                    $"'{{\"city\":\"c{rng.Next(50)}\",\"orders\":{rng.Next(80)},\"tag\":\"{rng.Next():x}\"}}')", tx);
            tx.Commit();
        }
        string repo = TestRepository.Create(sandbox, chunker: Dedup.Chunking.ChunkerParameters.Default);
        var first = TestRepository.Backup(repo, [dir]);
        string firstCopy = sandbox.Path("first");
        File.Copy(db, firstCopy);

        using (var repository = TestRepository.Open(repo))
        {
            var members = GroupMembers(repository);
            // A database this small is cut into blocks of one page (at least 4 KiB).
            int blockSize = Math.Max(Dedup.Chunking.ChunkerSelector.SqlitePageSize(File.ReadAllBytes(db).AsSpan(0, 100)), Dedup.Chunking.ChunkerSelector.MinimumPageBlock);
            long blocks = new FileInfo(db).Length / blockSize;
            Assert.True(members.Count > blocks * 9 / 10, $"{members.Count} of the database's {blocks} blocks are in groups");
            foreach (var group in members.GroupBy(m => (m.Pack, m.Offset)))
            {
                Assert.InRange(group.Count(), 2, Dedup.Packs.BlockGroup.MaxPayload / blockSize);
                Assert.True(group.Sum(m => (long)m.RawLength) <= Dedup.Packs.BlockGroup.MaxPayload);
            }
            Assert.True(Dedup.Check.Checker.Run(repository, readData: true).Ok);
        }

        using (var connection = new SqliteConnection(connectionString))
        {
            connection.Open();
            for (int id = 7; id < 30_000; id += 997) Execute(connection, $"UPDATE contacts SET status = 'unsubscribed' WHERE id = {id}");
        }
        var second = TestRepository.Backup(repo, [dir]);
        TestRepository.Restore(repo, first, sandbox.Path("r1"));
        Assert.Equal(File.ReadAllBytes(firstCopy), File.ReadAllBytes(sandbox.Path("r1") + db));

        // Without the first snapshot most of its groups lose a member or two: prune repacks them, regrouped.
        using (var repository = TestRepository.Open(repo))
        {
            repository.ForgetSnapshots([first.Id]);
            var report = Dedup.Maintenance.Pruner.RunAsync(repository, new Dedup.Maintenance.PruneOptions { RepackBelow = 0.99 }, CancellationToken.None).GetAwaiter().GetResult();
            Assert.True(report.PacksRepacked > 0);
            Assert.True(report.BytesFreed > 0 && report.BytesFreed < new FileInfo(db).Length, $"{report.BytesFreed} bytes freed");
            Assert.True(GroupMembers(repository).Count > new FileInfo(db).Length / 16384 * 9 / 10);
            Assert.True(Dedup.Check.Checker.Run(repository, readData: true).Ok);
        }
        TestRepository.Restore(repo, second, sandbox.Path("r2"));
        Assert.Equal(File.ReadAllBytes(db), File.ReadAllBytes(sandbox.Path("r2") + db));

        // One flipped byte in a group damages every member: check names them and the file, restore refuses the file.
        BlockLocation damagedGroup;
        using (var repository = TestRepository.Open(repo))
            damagedGroup = GroupMembers(repository).First();
        string packFile = Directory.EnumerateFiles(Path.Combine(repo, "packs"), damagedGroup.Pack.ToString(), SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(packFile);
        bytes[damagedGroup.Offset + damagedGroup.StoredLength / 2] ^= 0x10;
        File.WriteAllBytes(packFile, bytes);
        using (var repository = TestRepository.Open(repo))
        {
            var check = Dedup.Check.Checker.Run(repository, readData: true);
            Assert.False(check.Ok);
            int members = GroupMembers(repository).Count(m => m.Pack == damagedGroup.Pack && m.Offset == damagedGroup.Offset);
            Assert.Equal(members, check.DamagedPacks.Values.Single().Split("; ").Length);
            Assert.Contains(check.AffectedFiles, f => f.EndsWith("contacts.db", StringComparison.Ordinal));
        }
        var restored = TestRepository.Restore(repo, second, sandbox.Path("r3"));
        Assert.Contains(restored.Failed, f => f.EndsWith("contacts.db", StringComparison.Ordinal));
    }

    private static List<BlockLocation> GroupMembers(Dedup.Repository.LocalRepository repository) =>
        repository.Catalog.Packs().SelectMany(p => repository.Packs.ReadEntries(p.Pack, repository.Protection.Sealer)
            .Where(e => e.Codec == Codec.Grouped)
            .Select(e => new BlockLocation(p.Pack, e.Offset, e.StoredLength, e.RawLength, e.Codec))).ToList();

    /// <summary>Where a test's database goes. Pooling off: the file must be closed (and complete) when the backup reads it.</summary>
    private static (string Dir, string Db, string ConnectionString) NewDatabase(Sandbox sandbox)
    {
        string dir = sandbox.Path("db");
        Directory.CreateDirectory(dir);
        string db = Path.Combine(dir, "contacts.db");
        return (dir, db, new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString());
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        command.ExecuteNonQuery();
    }
}
