using Dedup.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Dedup.Tests.Backup;

public class SqliteBackupTests
{
    [Fact]
    public void A_few_updates_to_a_real_database_add_far_less_than_the_file()
    {
        using var sandbox = new Sandbox();
        string dir = sandbox.Path("db");
        Directory.CreateDirectory(dir);
        string db = Path.Combine(dir, "contacts.db");
        // Pooling off: the file must be closed (and complete) when the backup reads it.
        string connectionString = new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString();
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

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        command.ExecuteNonQuery();
    }
}
