using System.Diagnostics;
using System.Text.Json;
using Dedup.Tests.Support;

namespace Dedup.Tests.Restore;

/// <summary>The runbook's in-place restore (restore --overwrite over a live tree) and what "latest" means after it.</summary>
public class InPlaceRestoreTests : IDisposable
{
    private readonly Sandbox _sandbox = new();
    private readonly DedupCli _cli;
    private readonly string _app;

    public InPlaceRestoreTests()
    {
        _cli = new DedupCli(_sandbox.Path("repo"));
        _app = _sandbox.Path("srv", "app");
        Directory.CreateDirectory(Path.Combine(_app, "templates"));
        File.WriteAllText(Path.Combine(_app, "contacts.db"), "the contacts, as backed up\n");
        File.WriteAllText(Path.Combine(_app, "templates", "welcome.html"), "<h1>Welcome</h1>\n");
        File.CreateSymbolicLink(Path.Combine(_app, "current"), "templates");
        Assert.Equal(0, _cli.Init().ExitCode);
        Assert.Equal(0, _cli.Run("backup", _app).ExitCode);
    }

    public void Dispose() => _sandbox.Dispose();

    private List<string> Listing(string snapshot) =>
        _cli.Run("ls", snapshot).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    private JsonElement[] Snapshots(params string[] filter)
    {
        var result = _cli.Run(["snapshots", "--json", .. filter]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement.EnumerateArray().ToArray();
    }

    private void Damage()
    {
        File.WriteAllText(Path.Combine(_app, "contacts.db"), "damaged\n");
        File.WriteAllText(Path.Combine(_app, "templates", "welcome.html"), "<h1>damaged</h1>\n");
        File.WriteAllText(Path.Combine(_app, "new-since-backup.txt"), "not in the snapshot: the restore leaves it alone\n");
        Directory.CreateDirectory(_sandbox.Path("srv", "unrelated"));
        File.WriteAllText(_sandbox.Path("srv", "unrelated", "big.bin"), "beside the restored paths, never read\n");
    }

    [Fact]
    public void The_safety_snapshot_holds_exactly_what_the_restore_replaces_even_with_target_root()
    {
        Damage();
        var clock = Stopwatch.StartNew();
        // The whole snapshot, in place: with --target / the old safety snapshot read the whole machine, /proc included.
        var result = _cli.Run("restore", "latest", "--target", "/", "--overwrite", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
        Assert.Equal("the contacts, as backed up\n", File.ReadAllText(Path.Combine(_app, "contacts.db")));

        string safety = result.LastJson.GetProperty("safety_snapshot").GetString()!;
        var saved = Listing(safety).Where(p => p.StartsWith(_app, StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { _app, _app + "/contacts.db", _app + "/current", _app + "/templates", _app + "/templates/welcome.html" }, saved);
        var all = Listing(safety);
        Assert.DoesNotContain(all, p => p.Contains("unrelated") || p.Contains("new-since-backup") || p.StartsWith("/proc", StringComparison.Ordinal));
        Assert.Equal("damaged\n", _cli.Run("cat", safety, _app + "/contacts.db").Stdout);
        Assert.Equal(_app, Assert.Single(Snapshots("--tag", "pre-restore")).GetProperty("paths")[0].GetString());
    }

    [Fact]
    public void Latest_never_names_a_pre_restore_snapshot_unless_asked()
    {
        Damage();
        Assert.Equal(0, _cli.Run("restore", "latest", "--target", "/", "--overwrite").ExitCode);
        // Every command that takes a snapshot: the data, not the damage the restore replaced.
        Assert.Equal("the contacts, as backed up\n", _cli.Run("cat", "latest", _app + "/contacts.db").Stdout);
        Assert.Equal("damaged\n", _cli.Run("cat", "latest", _app + "/contacts.db", "--tag", "pre-restore").Stdout);
        File.WriteAllText(Path.Combine(_app, "contacts.db"), "damaged again\n");
        Assert.Equal(0, _cli.Run("restore", "latest", "--target", "/", "--overwrite").ExitCode);
        Assert.Equal("the contacts, as backed up\n", File.ReadAllText(Path.Combine(_app, "contacts.db")));
        var verify = _cli.Run("verify", "latest", "--json");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Equal("damaged again\n", _cli.Run("cat", "latest", _app + "/contacts.db", "--tag", "pre-restore").Stdout);
        Assert.Equal(2, Snapshots("--tag", "pre-restore").Length);
    }

    [Fact]
    public void Host_path_and_tag_choose_which_latest()
    {
        string other = _sandbox.Path("srv", "other");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "scripts.sh"), "echo other\n");
        Assert.Equal(0, _cli.Run("backup", other, "--tag", "set:scripts", "--host", "worker-2").ExitCode);

        Assert.Contains(_app + "/contacts.db", _cli.Run("ls", "latest", "--path", _app).Stdout.Split('\n'));
        Assert.Contains(other + "/scripts.sh", _cli.Run("ls", "latest").Stdout.Split('\n'));
        Assert.Equal("echo other\n", _cli.Run("cat", "latest", other + "/scripts.sh", "--tag", "set:scripts").Stdout);
        Assert.Equal("the contacts, as backed up\n", _cli.Run("cat", "latest", _app + "/contacts.db", "--host", Environment.MachineName).Stdout);
        var none = _cli.Run("ls", "latest", "--host", "nowhere");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("no snapshot matches", Assert.Single(none.StderrLines));
        Assert.Single(Snapshots("--host", "worker-2"));
        Assert.Single(Snapshots("--path", _app));
    }

    [Fact]
    public void Restoring_a_symlink_where_the_live_tree_has_a_directory_fails_it_and_counts_right()
    {
        File.Delete(Path.Combine(_app, "current"));
        Directory.CreateDirectory(Path.Combine(_app, "current"));
        var result = _cli.Run("restore", "latest", _app + "/current", "--target", "/", "--overwrite");
        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("-1", result.Stdout);
        Assert.Contains("restored 0 files", result.Stdout);
        Assert.Contains("is a directory where the snapshot has a symlink", result.Stderr);
    }

    [Fact]
    public void A_file_the_safety_snapshot_cannot_read_stops_the_restore_before_anything_is_written()
    {
        string secret = Path.Combine(_app, "contacts.db");
        File.WriteAllText(secret, "the only copy of today's contacts\n");
        File.WriteAllText(Path.Combine(_app, "templates", "welcome.html"), "<h1>edited today</h1>\n");
        File.SetUnixFileMode(secret, UnixFileMode.None);
        var asNobody = Nobody.Prefix(_sandbox, secret);

        var stopped = _cli.RunWith(null, asNobody, "restore", "latest", "--target", "/", "--overwrite");
        Assert.True(stopped.ExitCode == 1, stopped.ToString());
        Assert.Contains(secret, Assert.Single(stopped.StderrLines));
        Assert.Contains("--no-safety-snapshot", stopped.Stderr);
        Assert.DoesNotContain("   at ", stopped.Stderr);
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("the only copy of today's contacts\n", File.ReadAllText(secret));
        Assert.Equal("<h1>edited today</h1>\n", File.ReadAllText(Path.Combine(_app, "templates", "welcome.html")));
        Assert.Empty(Snapshots("--tag", "pre-restore"));

        File.SetUnixFileMode(secret, UnixFileMode.None);
        var forced = _cli.RunWith(null, asNobody, "restore", "latest", secret, "--target", "/", "--overwrite", "--no-safety-snapshot");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal("the contacts, as backed up\n", File.ReadAllText(secret));
    }

    [Fact]
    public void A_symlink_planted_where_the_snapshot_has_a_directory_is_refused_before_anything_is_read_through_it()
    {
        string outside = _sandbox.Path("outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "welcome.html"), "not the restore's to read or replace\n");
        Directory.Delete(Path.Combine(_app, "templates"), recursive: true);
        File.CreateSymbolicLink(Path.Combine(_app, "templates"), outside);

        var result = _cli.Run("restore", "latest", "--target", "/", "--overwrite");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is a symlink where the snapshot has a directory", Assert.Single(result.StderrLines));
        Assert.Empty(Snapshots("--tag", "pre-restore")); // nothing was read through the link
        Assert.Equal("not the restore's to read or replace\n", File.ReadAllText(Path.Combine(outside, "welcome.html")));
    }

    [Fact]
    public void A_symlink_to_a_directory_where_the_snapshot_has_a_file_is_saved_then_replaced_not_followed()
    {
        string outside = _sandbox.Path("outside");
        Directory.CreateDirectory(outside);
        string contacts = Path.Combine(_app, "contacts.db");
        File.Delete(contacts);
        File.CreateSymbolicLink(contacts, outside);

        var result = _cli.Run("restore", "latest", "--target", "/", "--overwrite", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Null(new FileInfo(contacts).LinkTarget);
        Assert.Equal("the contacts, as backed up\n", File.ReadAllText(contacts));
        Assert.True(Directory.Exists(outside));
        string safety = result.LastJson.GetProperty("safety_snapshot").GetString()!;
        Assert.Contains(_app + "/contacts.db", Listing(safety));
    }
}
