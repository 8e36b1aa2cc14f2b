using System.Text;
using System.Text.Json;
using Dedup.Tests.Support;

namespace Dedup.Tests.Cli;

/// <summary>`backup --stdin` and `--stdin-from-command`: a dump whose producer failed is never saved as if it were the data.</summary>
public class StdinBackupTests : IDisposable
{
    private readonly Sandbox _sandbox = new();
    private readonly DedupCli _cli;

    public StdinBackupTests()
    {
        _cli = new DedupCli(_sandbox.Path("repo"));
        Assert.Equal(0, _cli.Init().ExitCode);
    }

    public void Dispose() => _sandbox.Dispose();

    private int SnapshotCount() => JsonDocument.Parse(_cli.Run("snapshots", "--json").Stdout).RootElement.GetArrayLength();

    private static void AssertOneLine(DedupCli.Result result, string contains)
    {
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(contains, Assert.Single(result.StderrLines));
    }

    [Fact]
    public void An_empty_stdin_is_refused_unless_allowed()
    {
        // What `false | dedup backup --stdin` gives dedup: nothing, then end of file.
        AssertOneLine(_cli.RunWith([], null, "backup", "--stdin", "--stdin-filename", "contacts.sql"), "--allow-empty");
        Assert.Equal(0, SnapshotCount());
        Assert.Equal(0, _cli.RunWith([], null, "backup", "--stdin", "--allow-empty").ExitCode);
        Assert.Equal(1, SnapshotCount());
    }

    [Fact]
    public void A_command_that_fails_saves_nothing_and_one_that_works_is_the_file()
    {
        AssertOneLine(_cli.Run("backup", "--stdin-from-command", "--", "sh", "-c", "echo 'half a dump'; exit 3"), "exited with code 3");
        AssertOneLine(_cli.Run("backup", "--stdin-from-command", "--", "sh", "-c", "exit 0"), "gave no data");
        AssertOneLine(_cli.Run("backup", "--stdin-from-command", "--", "/nonexistent/dump-tool"), "could not start");
        Assert.Equal(0, SnapshotCount());

        var saved = _cli.Run("backup", "--stdin-from-command", "--stdin-filename", "contacts.sql", "--", "sh", "-c", "printf 'CREATE TABLE contacts;\\n' --not-an-option");
        Assert.True(saved.ExitCode == 0, saved.ToString());
        Assert.Equal("CREATE TABLE contacts;\n", _cli.Run("cat", "latest", "/contacts.sql").Stdout);
        Assert.Equal(0, _cli.RunWith(Encoding.UTF8.GetBytes("dump"), null, "backup", "--stdin").ExitCode);
        Assert.Equal("dump", _cli.Run("cat", "latest", "/stdin").Stdout);
    }
}
