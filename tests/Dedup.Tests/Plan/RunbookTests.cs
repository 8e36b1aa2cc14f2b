using System.Text.Json;
using System.Text.RegularExpressions;
using Dedup.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Dedup.Tests.Plan;

/// <summary>
/// The recovery procedures as written: the `sh` blocks of docs/disaster-recovery.md, and the "disaster recovery from
/// the bucket alone" block of docs/mirror.md, are read from the documents and run command by command through the
/// dedup process after the local repository was deleted. Only the examples change (repository, bucket, files,
/// snapshot ids); every one of them must appear in the document, so the document and the test cannot drift.
/// Every command must exit 0, the restore must equal the original, and status must be green at the end.
/// </summary>
public partial class RunbookTests
{
    private static readonly string Docs = Path.Combine(FindRoot(), "docs");

    [Fact]
    public void The_runbook_as_written_recovers_a_lost_repository_and_restores_a_damaged_database()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        string db = sandbox.Path("backups", "contacts.db"), templates = sandbox.Path("app", "templates");
        Directory.CreateDirectory(templates);
        Directory.CreateDirectory(Path.GetDirectoryName(db)!);
        Sql(db, "CREATE TABLE contacts(id INTEGER PRIMARY KEY, email TEXT); " + Rows(1, 5000));
        for (int i = 0; i < 20; i++) File.WriteAllText(Path.Combine(templates, $"t{i}.html"), $"<h1>template {i}</h1>");
        string repo = sandbox.Path("repo"), policy = sandbox.Path("dedup.toml"), bucket = S3TestServer.NewBucketName();
        var cli = new DedupCli(repo);
        Assert.Equal(0, cli.Init().ExitCode);
        Assert.Equal(0, cli.Run("remote", "add", "offsite", "--endpoint", S3TestServer.Endpoint!, "--bucket", bucket, "--prefix", "mail-platform", "--create-bucket").ExitCode);
        File.WriteAllText(policy, $"remote = \"offsite\"\n[[set]]\nname = \"contacts\"\npaths = [\"{db}\"]\ntier = \"critical\"\n" +
            $"[[set]]\nname = \"templates\"\npaths = [\"{templates}\"]\ntier = \"standard\"\n");

        // Before the loss: two runs (the database grew in between), a drill of each set, pushed with the audit log.
        Assert.Equal(0, cli.Run("run", "--policy", policy).ExitCode);
        Sql(db, Rows(5001, 6000));
        Assert.Equal(0, cli.Run("run", "--policy", policy).ExitCode);
        string[] Ids(string tag) => JsonDocument.Parse(cli.Run("snapshots", "--tag", tag, "--json").Stdout).RootElement.EnumerateArray()
            .Select(s => s.GetProperty("id").GetString()![..8]).ToArray();
        var contacts = Ids("set:contacts");
        Assert.Equal(2, contacts.Length);
        Assert.Equal(0, cli.Run("verify", contacts[^1]).ExitCode);
        Assert.Equal(0, cli.Run("verify", Ids("set:templates")[^1]).ExitCode);
        Assert.Equal(0, cli.Run("mirror", "push").ExitCode);
        byte[] original = File.ReadAllBytes(db);

        // The loss: the repository is gone, the database overwritten.
        Directory.Delete(repo, recursive: true);
        File.WriteAllBytes(db, new byte[4096]);

        string passwordFile = sandbox.Path("password");
        File.WriteAllText(passwordFile, TestRepository.Password);
        cli.Password = null; // the runbook's export names the password file
        var runbook = new Runbook(cli, sandbox)
        {
            Literals =
            {
                ["/var/lib/dedup/repo"] = repo,
                ["/root/dedup-password"] = passwordFile,
                ["s3:https://minio.example.net:9000/backups/mail-platform"] = $"s3:{S3TestServer.Endpoint}/{bucket}/mail-platform",
                ["/var/backups/dedup/contacts.db"] = db,
                ["/etc/dedup/dedup.toml"] = policy,
            },
            Placeholders =
            {
                ["<older>"] = () => contacts[0],
                ["<newer>"] = () => contacts[1],
                ["<snapshot>"] = () => contacts[1],
                ["<pre-restore snapshot>"] = () => Ids("pre-restore").Single(),
            },
        };
        var ran = runbook.Run(Blocks(File.ReadAllText(Path.Combine(Docs, "disaster-recovery.md"))));

        Assert.Contains(ran, r => r.Command.StartsWith("dedup recover --remote s3:", StringComparison.Ordinal));
        Assert.Contains(contacts[1], ran.Single(r => r.Command.StartsWith("dedup snapshots", StringComparison.Ordinal)).Result.Stdout);
        Assert.Contains(db, ran.Single(r => r.Command.StartsWith("dedup diff " + contacts[0], StringComparison.Ordinal)).Result.Stdout);
        Assert.Contains("only on offsite", ran.Single(r => r.Command.StartsWith("dedup check", StringComparison.Ordinal)).Result.Stdout);
        Assert.Equal(original, File.ReadAllBytes(db));
        Assert.Equal(6000L, Sql(db, "SELECT count(*) FROM contacts"));
        Assert.Contains(ran, r => r.Command.StartsWith("dedup status", StringComparison.Ordinal));
    }

    [Fact]
    public void The_mirror_documents_recovery_from_the_bucket_alone_as_written()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        string app = sandbox.Path("srv", "app"), db = Path.Combine(app, "db", "contacts.db");
        new Mirror.RandomTreeWriter(Path.Combine(app, "templates"), seed: 4).Write(files: 5, bytesEach: 400_000);
        Directory.CreateDirectory(Path.GetDirectoryName(db)!);
        Sql(db, "CREATE TABLE contacts(id INTEGER PRIMARY KEY, email TEXT); " + Rows(1, 3000));
        string repo = sandbox.Path("repo"), policy = sandbox.Path("dedup.toml"), bucket = S3TestServer.NewBucketName();
        var cli = new DedupCli(repo);
        Assert.Equal(0, cli.Init().ExitCode);
        Assert.Equal(0, cli.Run("remote", "add", "offsite", "--endpoint", S3TestServer.Endpoint!, "--bucket", bucket, "--prefix", "mail-platform", "--create-bucket").ExitCode);
        File.WriteAllText(policy, $"remote = \"offsite\"\n[[set]]\nname = \"app\"\npaths = [\"{app}\"]\ntier = \"critical\"\n");
        Assert.Equal(0, cli.Run("run", "--policy", policy).ExitCode);
        Assert.Equal(0, cli.Run("verify", "latest").ExitCode);
        Assert.Equal(0, cli.Run("mirror", "push").ExitCode);
        Directory.Delete(repo, recursive: true);

        cli.Password = null; // the block's export sets it
        string restore = sandbox.Path("restore");
        var runbook = new Runbook(cli, sandbox)
        {
            Literals =
            {
                ["/var/lib/dedup/repo"] = repo,
                ["s3:https://minio.example.net:9000/backups/mail-platform"] = $"s3:{S3TestServer.Endpoint}/{bucket}/mail-platform",
                ["/srv/app/db/contacts.db"] = db,
                ["/restore/urgent"] = Path.Combine(restore, "urgent"),
                ["/restore"] = restore,
                ["/etc/dedup/dedup.toml"] = policy,
            },
        };
        string mirror = File.ReadAllText(Path.Combine(Docs, "mirror.md"));
        var section = mirror[mirror.IndexOf("## Disaster recovery from the bucket alone", StringComparison.Ordinal)..];
        var ran = runbook.Run(Blocks(section[..section.IndexOf("\n## ", 3, StringComparison.Ordinal)]));

        Assert.Contains(ran, r => r.Command.StartsWith("dedup status", StringComparison.Ordinal));
        Assert.Equal(File.ReadAllBytes(db), File.ReadAllBytes(Path.Combine(restore, "urgent") + db));
        TreeAssert.Equal(app, restore + app);
    }

    /// <summary>The `sh` blocks of a markdown text, in order, each a list of command lines.</summary>
    private static List<string> Blocks(string markdown) =>
        ShBlock().Matches(markdown).SelectMany(m => m.Groups[1].Value.Split('\n')).ToList();

    /// <summary>Runs a document's command lines: `export` sets the environment of the commands that follow, every
    /// other line must be a dedup command and exit 0. Comments are dropped; the examples are replaced, whole words
    /// only, and each replacement must be used (a document that no longer says it has changed under the test).</summary>
    private sealed class Runbook(DedupCli cli, Sandbox sandbox)
    {
        public Dictionary<string, string> Literals { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, Func<string>> Placeholders { get; } = new(StringComparer.Ordinal);
        /// <summary>Values the documents leave to the reader ("…").</summary>
        private static readonly Dictionary<string, string> Secrets = new()
        {
            ["DEDUP_S3_ACCESS_KEY"] = S3TestServer.AccessKey,
            ["DEDUP_S3_SECRET_KEY"] = S3TestServer.SecretKey,
            ["DEDUP_PASSWORD"] = TestRepository.Password,
        };

        public List<(string Command, DedupCli.Result Result)> Run(List<string> lines)
        {
            var used = new HashSet<string>(StringComparer.Ordinal);
            var ran = new List<(string, DedupCli.Result)>();
            // verify's drill copies go to $TMPDIR: inside the sandbox, so nothing is left behind.
            cli.Environment["TMPDIR"] = sandbox.Path("tmp");
            Directory.CreateDirectory(sandbox.Path("tmp"));
            foreach (var raw in lines)
            {
                string line = raw.Split('#')[0].Trim();
                if (line.Length == 0) continue;
                foreach (var (placeholder, value) in Placeholders.Where(p => line.Contains(p.Key, StringComparison.Ordinal)))
                {
                    line = line.Replace(placeholder, value(), StringComparison.Ordinal);
                    used.Add(placeholder);
                }
                Assert.DoesNotMatch("[<>\"'$`|;&]", line);
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => Substitute(w, used)).ToList();
                if (words[0] == "export")
                {
                    foreach (var assignment in words.Skip(1))
                    {
                        var (name, value) = (assignment[..assignment.IndexOf('=')], Substitute(assignment[(assignment.IndexOf('=') + 1)..], used));
                        cli.Environment[name] = value == "…" ? Secrets[name] : value;
                    }
                    continue;
                }
                Assert.Equal("dedup", words[0]);
                var result = cli.Run([.. words.Skip(1)]);
                string command = string.Join(' ', words);
                Assert.True(result.ExitCode == 0, $"{raw.Trim()}\n(ran: {command})\n{result}");
                ran.Add((command, result));
            }
            Assert.Empty(Literals.Keys.Concat(Placeholders.Keys).Except(used));
            return ran;
        }

        private string Substitute(string word, HashSet<string> used)
        {
            if (!Literals.TryGetValue(word, out var value)) return word;
            used.Add(word);
            return value;
        }
    }

    private static string Rows(int from, int to) =>
        $"WITH RECURSIVE n(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM n WHERE i < {to}) INSERT INTO contacts(id, email) SELECT i, 'user' || i || '@example.com' FROM n;";

    private static long Sql(string db, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={db};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() is long n ? n : 0;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dedup.sln"))) return dir.FullName;
        throw new InvalidOperationException("Dedup.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("```sh\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShBlock();
}
