using System.Text.Json;
using Dedup.Repository;
using Dedup.Tests.Support;

namespace Dedup.Tests.Cli;

public class CliTests : IDisposable
{
    private readonly Sandbox _sandbox = new();
    private readonly DedupCli _cli;
    private readonly string _source;

    public CliTests()
    {
        _cli = new DedupCli(_sandbox.Path("repo"));
        _source = _sandbox.Path("data");
        Directory.CreateDirectory(Path.Combine(_source, "templates"));
        File.WriteAllText(Path.Combine(_source, "templates", "welcome.html"), "<h1>Welcome, {{name}}</h1>\n");
        File.WriteAllText(Path.Combine(_source, "config.yml"), "smtp: mail.example.com\n");
        File.WriteAllBytes(Path.Combine(_source, "metrics.bin"), RandomTree.Content(300_000, 3));
        Directory.CreateDirectory(Path.Combine(_source, "empty"));
    }

    public void Dispose() => _sandbox.Dispose();

    private static void AssertOneCleanErrorLine(DedupCli.Result result, int exitCode, string contains)
    {
        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.Single(result.StderrLines);
        Assert.Contains(contains, result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr); // no stack trace without --verbose
    }

    private JsonElement BackupJson(params string[] extra)
    {
        var result = _cli.Run(["backup", _source, "--json", .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.LastJson;
    }

    [Fact]
    public void Backup_and_snapshots_speak_json()
    {
        Assert.Equal(0, _cli.Init().ExitCode);
        var first = BackupJson("--tag", "daily");
        Assert.Equal("full", first.GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("reference").ValueKind);
        Assert.Equal(3, first.GetProperty("files_new").GetInt32());
        Assert.True(first.GetProperty("bytes_added").GetInt64() > 0);
        foreach (var field in new[] { "snapshot", "files_changed", "files_unmodified", "bytes_read" })
            Assert.True(first.TryGetProperty(field, out _), field);

        File.AppendAllText(Path.Combine(_source, "config.yml"), "port: 587\n");
        var second = BackupJson();
        Assert.Equal("incremental", second.GetProperty("kind").GetString());
        Assert.Equal(first.GetProperty("snapshot").GetString(), second.GetProperty("reference").GetString());
        Assert.Equal(1, second.GetProperty("files_changed").GetInt32());
        Assert.Equal(2, second.GetProperty("files_unmodified").GetInt32());

        var differential = BackupJson("--kind", "differential");
        Assert.Equal(first.GetProperty("snapshot").GetString(), differential.GetProperty("reference").GetString());

        var list = _cli.Run("snapshots", "--json");
        var snapshots = JsonDocument.Parse(list.Stdout).RootElement;
        Assert.Equal(3, snapshots.GetArrayLength());
        foreach (var field in new[] { "id", "time", "kind", "reference", "paths", "tags" })
            Assert.True(snapshots[0].TryGetProperty(field, out _), field);
        Assert.Equal("daily", snapshots[0].GetProperty("tags")[0].GetString());
        Assert.Equal(_source, snapshots[0].GetProperty("paths")[0].GetString());
    }

    [Fact]
    public void Restore_cat_ls_diff_find_and_stats_work_by_path()
    {
        _cli.Init();
        BackupJson();
        File.WriteAllText(Path.Combine(_source, "templates", "promo.html"), "<p>promo</p>");
        File.Delete(Path.Combine(_source, "config.yml"));
        BackupJson();

        string target = _sandbox.Path("restore");
        var restore = _cli.Run("restore", "latest", _source + "/templates/welcome.html", "--target", target, "--verify");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal("<h1>Welcome, {{name}}</h1>\n", File.ReadAllText(target + _source + "/templates/welcome.html"));
        Assert.False(File.Exists(target + _source + "/metrics.bin"));

        var cat = _cli.Run("cat", "latest", _source + "/templates/promo.html");
        Assert.Equal("<p>promo</p>", cat.Stdout);

        var ls = JsonDocument.Parse(_cli.Run("ls", "latest", _source, "--json").Stdout).RootElement;
        Assert.Contains(ls.EnumerateArray(), e => e.GetProperty("path").GetString() == _source + "/empty" && e.GetProperty("type").GetString() == "directory");

        var snapshots = JsonDocument.Parse(_cli.Run("snapshots", "--json").Stdout).RootElement;
        string a = snapshots[0].GetProperty("id").GetString()![..8], b = snapshots[1].GetProperty("id").GetString()![..8];
        var diff = _cli.Run("diff", a, b);
        Assert.Contains($"+    {_source}/templates/promo.html", diff.Stdout);
        Assert.Contains($"-    {_source}/config.yml", diff.Stdout);

        var find = _cli.Run("find", "config.yml");
        Assert.Contains(a, find.Stdout);
        Assert.DoesNotContain(b, find.Stdout);

        var stats = JsonDocument.Parse(_cli.Run("stats", "--json").Stdout).RootElement;
        Assert.Equal(2, stats.GetProperty("snapshots").GetInt32());
        Assert.True(stats.GetProperty("dedup_ratio").GetDouble() > 1.5);
    }

    [Fact]
    public void Stdin_backups_restore_as_a_file()
    {
        _cli.Init();
        var dump = "BEGIN TRANSACTION;\nCREATE TABLE contacts(id, email);\nCOMMIT;\n"u8.ToArray();
        var result = _cli.RunWith(dump, null, "backup", "--stdin", "--stdin-name", "contacts.sql");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(dump, System.Text.Encoding.UTF8.GetBytes(_cli.Run("cat", "latest", "/contacts.sql").Stdout));
    }

    [Fact]
    public void Restore_refuses_to_overwrite_without_the_flag()
    {
        _cli.Init();
        BackupJson();
        string target = _sandbox.Path("restore");
        Assert.Equal(0, _cli.Run("restore", "latest", "--target", target).ExitCode);
        File.WriteAllText(target + _source + "/config.yml", "local edit");
        AssertOneCleanErrorLine(_cli.Run("restore", "latest", "--target", target), 1, "--overwrite");
        Assert.Equal("local edit", File.ReadAllText(target + _source + "/config.yml"));
        Assert.Equal(0, _cli.Run("restore", "latest", "--target", target, "--overwrite").ExitCode);
        Assert.Equal("smtp: mail.example.com\n", File.ReadAllText(target + _source + "/config.yml"));
    }

    [Fact]
    public void Bad_input_gets_one_clear_line_and_a_non_zero_exit()
    {
        AssertOneCleanErrorLine(_cli.Run("snapshots"), 1, "no repository");
        Assert.Equal(0, _cli.Init().ExitCode);
        AssertOneCleanErrorLine(_cli.Init(), 1, "already exists");
        BackupJson();
        AssertOneCleanErrorLine(_cli.Run("restore", "deadbeef", "--target", _sandbox.Path("t")), 1, "no snapshot matches");
        AssertOneCleanErrorLine(_cli.Run("ls", "ab"), 1, "at least 4");
        AssertOneCleanErrorLine(_cli.Run("cat", "latest", "/no/such/file"), 1, "no such path");
        AssertOneCleanErrorLine(_cli.Run("backup", _sandbox.Path("missing")), 1, "no such file");
        var usage = _cli.Run("backup", "--no-such-flag");
        Assert.Equal(2, usage.ExitCode);
        Assert.Equal(2, _cli.Run("backup", _source, "--kind", "weekly").ExitCode);
        Assert.Equal(2, _cli.Run().ExitCode);
    }

    [Fact]
    public void A_truncated_catalog_is_reported_not_thrown()
    {
        _cli.Init();
        BackupJson();
        string catalog = _sandbox.Path("repo", "catalog.db");
        using (var stream = new FileStream(catalog, FileMode.Open)) stream.SetLength(stream.Length / 3);
        var result = _cli.Run("snapshots");
        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.Contains("catalog", result.Stderr);
    }

    [Fact]
    public void A_second_writer_is_told_who_holds_the_lock()
    {
        _cli.Init();
        using (RepositoryLock.Acquire(new RepositoryLayout(_sandbox.Path("repo")), "test holder", TimeSpan.Zero))
        {
            AssertOneCleanErrorLine(_cli.Run("backup", _source), 11, "locked by another dedup process");
            AssertOneCleanErrorLine(_cli.Run("backup", _source, "--wait", "1s"), 11, "test holder");
            Assert.Equal(0, _cli.Run("snapshots", "--json").ExitCode); // readers never wait for writers (ADR 0008)
        }
        Assert.Equal(0, _cli.Run("backup", _source).ExitCode);
    }

    [Fact]
    public void Unreadable_files_give_exit_code_3_and_the_rest_is_saved()
    {
        _cli.Init();
        string secret = Path.Combine(_source, "secret.key");
        File.WriteAllText(secret, "k");
        File.SetUnixFileMode(secret, UnixFileMode.None);
        var result = _cli.RunWith(null, Nobody.Prefix(_sandbox, secret), "backup", _source, "--json");
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("secret.key", result.Stderr);
        var summary = result.LastJson;
        Assert.Equal(1, summary.GetProperty("errors").GetInt32());
        Assert.Equal(3, summary.GetProperty("files_new").GetInt32());
    }

    [Fact]
    public void Help_reads_like_restic_and_documents_exit_codes()
    {
        var help = _cli.Run("--help");
        Assert.Equal(0, help.ExitCode);
        foreach (var word in new[] { "init", "backup", "restore", "snapshots", "check", "Exit codes", "3 backup saved", "11 repository locked" })
            Assert.Contains(word, help.Stdout);
    }
}
