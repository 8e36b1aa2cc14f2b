using System.Text.Json;
using Dedup.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Dedup.Tests.Plan;

/// <summary>docs/disaster-recovery.md followed step by step on a damaged tree: a real SQLite database overwritten
/// with garbage, templates deleted and edited.</summary>
public class RunbookTests
{
    [Fact]
    public void The_runbook_restores_a_damaged_tree()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        string app = sandbox.Path("app"), db = Path.Combine(app, "contacts.db"), templates = Path.Combine(app, "templates");
        Directory.CreateDirectory(templates);
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE contacts(id INTEGER PRIMARY KEY, email TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO contacts(email) SELECT 'user' || i || '@example.com' FROM n;";
            command.ExecuteNonQuery();
        }
        for (int i = 0; i < 20; i++) File.WriteAllText(Path.Combine(templates, $"t{i}.html"), $"<h1>template {i}</h1>");
        string original = sandbox.Path("original");
        System.Diagnostics.Process.Start("cp", ["-a", app, original])!.WaitForExit();

        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        Assert.Equal(0, cli.Run("remote", "add", "offsite", "--endpoint", S3TestServer.Endpoint!, "--bucket", S3TestServer.NewBucketName(), "--create-bucket").ExitCode);
        string policy = sandbox.Path("dedup.toml");
        File.WriteAllText(policy, $"remote = \"offsite\"\n[[set]]\nname = \"contacts\"\npaths = [\"{db}\"]\ntier = \"critical\"\n[[set]]\nname = \"templates\"\npaths = [\"{templates}\"]\ntier = \"standard\"\n");
        Assert.Equal(0, cli.Run("run", "--policy", policy).ExitCode);

        // The damage.
        File.WriteAllBytes(db, new byte[4096]);
        File.Delete(Path.Combine(templates, "t3.html"));
        File.WriteAllText(Path.Combine(templates, "t7.html"), "defaced");

        // 1. Identify the backup.
        string Latest(string set) => JsonDocument.Parse(cli.Run("snapshots", "--tag", $"set:{set}", "--json").Stdout).RootElement.EnumerateArray().Last().GetProperty("id").GetString()!;
        string contacts = Latest("contacts"), templatesSnapshot = Latest("templates");
        Assert.Contains(db, cli.Run("find", "contacts.db").Stdout);

        // 2. Verify its integrity.
        Assert.Equal(0, cli.Run("check", "--read-data", "--remote", "offsite").ExitCode);
        Assert.Equal(0, cli.Run("verify", contacts[..8]).ExitCode);
        Assert.Equal(0, cli.Run("verify", templatesSnapshot[..8]).ExitCode);

        // 4 and 5. Restore the critical set first, in place; the safety snapshot is taken on the way.
        var restore = cli.Run("restore", contacts[..8], db, "--target", "/", "--overwrite", "--verify", "--json");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        string safety = restore.LastJson.GetProperty("safety_snapshot").GetString()!;
        Assert.Equal(0, cli.Run("restore", templatesSnapshot[..8], templates, "--target", "/", "--overwrite", "--verify").ExitCode);

        // 6. Verify the result.
        var diff = cli.Run("diff", safety[..8], contacts[..8]);
        Assert.Contains(db, diff.Stdout);
        using (var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM contacts";
            Assert.Equal(5000L, (long)command.ExecuteScalar()!);
        }
        TreeAssert.Equal(Path.Combine(original, "templates"), templates);
        Assert.Equal(File.ReadAllBytes(Path.Combine(original, "contacts.db")), File.ReadAllBytes(db));

        // 7. Monitor.
        Assert.Equal(0, cli.Run("run", "--policy", policy).ExitCode);
        var status = cli.Run("status", "--policy", policy);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("restore", cli.Run("audit", "--since", "1d", "--policy", policy).Stdout.ToLowerInvariant());
    }
}
