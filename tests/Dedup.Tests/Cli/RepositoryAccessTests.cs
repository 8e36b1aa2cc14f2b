using System.Diagnostics;
using Dedup.Tests.Support;

namespace Dedup.Tests.Cli;

/// <summary>A repository on read-only media (a backup disk mounted read-only, a chmod a-w copy) and the modes a
/// new repository gets.</summary>
public class RepositoryAccessTests : IDisposable
{
    private readonly Sandbox _sandbox = new();
    private readonly string _repo;
    private readonly string _data;

    public RepositoryAccessTests()
    {
        _repo = _sandbox.Path("repo");
        _data = _sandbox.Path("data");
        Directory.CreateDirectory(_data);
        File.WriteAllText(Path.Combine(_data, "contacts.csv"), "id,email\n1,a@example.com\n");
        var cli = new DedupCli(_repo);
        Assert.Equal(0, cli.Init().ExitCode);
        Assert.Equal(0, cli.Run("backup", _data).ExitCode);
    }

    public void Dispose() => _sandbox.Dispose();

    private void AssertReadCommandsWork(DedupCli cli, string[]? prefix, string restoreTarget)
    {
        foreach (var args in new[] { ["snapshots"], ["ls", "latest"], ["cat", "latest", _data + "/contacts.csv"], ["check", "--read-data"], ["verify", "latest"], new[] { "restore", "latest", "--target", restoreTarget, "--verify" } })
        {
            var result = cli.RunWith(null, prefix, args);
            Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)}: {result}");
        }
        Assert.Equal(File.ReadAllText(Path.Combine(_data, "contacts.csv")), File.ReadAllText(restoreTarget + _data + "/contacts.csv"));
    }

    [Fact]
    public void A_new_repository_is_for_its_owner_alone_and_open_keeps_the_modes_it_finds()
    {
        Assert.Equal("700", Mode(_repo));
        foreach (var file in new[] { "config.json", "catalog.db" }.Select(f => Path.Combine(_repo, f)).Concat(Directory.GetFiles(Path.Combine(_repo, "keys"))))
            Assert.True(Mode(file) == "600", $"{file}: {Mode(file)}");
        Assert.Equal("700", Mode(Path.Combine(_repo, "keys")));

        File.SetUnixFileMode(_repo, (UnixFileMode)Convert.ToInt32("750", 8));
        Assert.Equal(0, new DedupCli(_repo).Run("backup", _data).ExitCode);
        Assert.Equal("750", Mode(_repo));
    }

    [Fact]
    public void A_repository_on_a_read_only_mount_can_be_read_and_a_stale_lock_owner_is_not_named()
    {
        if (!Dedup.Native.Posix.IsRoot) { Console.WriteLine("read-only mount test skipped: mounting needs root"); return; }
        // A dead process's record, as a killed backup leaves it.
        File.WriteAllText(Path.Combine(_repo, "lock.owner"), $"pid 999999 on {Environment.MachineName}, backup, since 2026-01-01 00:00:00Z\n");
        string mount = _sandbox.Path("ro");
        Directory.CreateDirectory(mount);
        Run("mount", "--bind", _repo, mount);
        try
        {
            Run("mount", "-o", "remount,bind,ro", mount);
            var cli = new DedupCli(mount);
            AssertReadCommandsWork(cli, null, _sandbox.Path("restored"));
            var backup = cli.Run("backup", _data);
            Assert.Equal(1, backup.ExitCode);
            Assert.Contains("read-only", Assert.Single(backup.StderrLines));
            Assert.DoesNotContain("999999", backup.Stderr);
        }
        finally { Run("umount", mount); }
    }

    [Fact]
    public void A_repository_without_write_permission_can_be_read_by_its_user()
    {
        var prefix = Nobody.Prefix(_sandbox);
        foreach (var path in Walk.Entries(_repo).Prepend(_repo))
            if (new FileInfo(path).LinkTarget is null)
                File.SetUnixFileMode(path, File.GetUnixFileMode(path) & ~(UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
        var cli = new DedupCli(_repo);
        AssertReadCommandsWork(cli, prefix, _sandbox.Path("restored"));
        if (prefix is not null)
        {
            var backup = cli.RunWith(null, prefix, "backup", _data);
            Assert.Equal(1, backup.ExitCode);
            Assert.Contains("read-only", Assert.Single(backup.StderrLines));
        }
    }

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);

    private static void Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: {error}");
    }
}
