using System.Diagnostics;
using Dedup.Cli;
using Dedup.Tests.Support;

namespace Dedup.Tests.Cli;

/// <summary>What makes dedup pleasant in a shell: completion, man pages, typo suggestions, a password from a
/// secrets manager, and a progress line that says how far along it is.</summary>
public class ShellIntegrationTests : IDisposable
{
    private readonly Sandbox _sandbox = new();
    private readonly DedupCli _cli;

    public ShellIntegrationTests() => _cli = new DedupCli(_sandbox.Path("repo"));

    public void Dispose() => _sandbox.Dispose();

    /// <summary>A `dedup` on PATH, as an installed one would be (completion scripts call it by name).</summary>
    private string DedupOnPath()
    {
        string bin = _sandbox.Path("bin");
        Directory.CreateDirectory(bin);
        string wrapper = Path.Combine(bin, "dedup");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec dotnet '{DedupCli.Dll}' \"$@\"\n");
        File.SetUnixFileMode(wrapper, (UnixFileMode)Convert.ToInt32("755", 8));
        return bin;
    }

    private static (int ExitCode, string Stdout, string Stderr) Shell(string program, string script, string pathPrefix, params (string, string)[] environment)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        info.Environment["PATH"] = pathPrefix + ":" + Environment.GetEnvironmentVariable("PATH");
        foreach (var (name, value) in environment) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), $"{program} did not finish");
        return (process.ExitCode, stdout.Result, stderr);
    }

    [Fact]
    public void Bash_completion_asks_dedup_for_commands_and_options()
    {
        string bin = DedupOnPath();
        string Complete(string line, string word) => Shell("bash", $$"""
            source <(dedup completion bash)
            COMP_LINE='{{line}}'; COMP_POINT=${#COMP_LINE}; COMP_WORDS=({{line}}); COMP_CWORD=$(( ${#COMP_WORDS[@]} - {{(word.Length == 0 ? 0 : 1)}} ))
            _dedup; printf '%s\n' "${COMPREPLY[@]}"
            """, bin).Stdout;
        Assert.Equal(["snapshots"], Complete("dedup snap", "snap").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var options = Complete("dedup restore --ov", "--ov").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["--overwrite"], options);
        foreach (var shell in new[] { "zsh", "fish" })
        {
            var script = _cli.Run("completion", shell);
            Assert.True(script.ExitCode == 0 && script.Stdout.Contains("[suggest:"), script.ToString());
        }
        Assert.Equal(2, _cli.Run("completion", "powershell").ExitCode);
    }

    [Fact]
    public void Man_pages_are_written_for_every_command_and_render_cleanly()
    {
        string dir = _sandbox.Path("man");
        var result = _cli.Run("generate", "--man", dir);
        Assert.True(result.ExitCode == 0, result.ToString());
        var pages = Directory.GetFiles(dir).Select(Path.GetFileName).ToList();
        foreach (var page in new[] { "dedup.1", "dedup-backup.1", "dedup-restore.1", "dedup-remote-add.1", "dedup-completion.1" })
            Assert.Contains(page, pages);
        string backup = File.ReadAllText(Path.Combine(dir, "dedup-backup.1"));
        Assert.Contains(@"\-\-stdin\-from\-command", backup);
        Assert.Contains(@"\-\-password\-command", backup); // global options are listed on every page
        if (!File.Exists("/usr/bin/groff")) { Console.WriteLine("man page rendering skipped: no groff"); return; }
        foreach (var page in Directory.GetFiles(dir))
        {
            var (exit, _, stderr) = Shell("sh", $"groff -man -Tutf8 -ww -z '{page}'", "");
            Assert.True(exit == 0 && stderr.Length == 0, $"{page}: {stderr}");
        }
    }

    [Fact]
    public void A_mistyped_command_gets_a_suggestion()
    {
        foreach (var (typed, meant) in new[] { ("snapshot", "snapshots"), ("restroe", "restore"), ("chek", "check") })
        {
            var result = _cli.Run(typed);
            Assert.Equal(2, result.ExitCode);
            Assert.Contains($"did you mean '{meant}'?", Assert.Single(result.StderrLines));
        }
        var nothingClose = _cli.Run("xyzzy");
        Assert.Equal(2, nothingClose.ExitCode);
        Assert.DoesNotContain("did you mean", nothingClose.Stderr);
    }

    [Fact]
    public void The_password_can_come_from_a_command()
    {
        Assert.Equal(0, _cli.Init().ExitCode);
        _cli.Password = null;
        string file = _sandbox.Path("secret");
        File.WriteAllText(file, TestRepository.Password + "\n");
        Assert.Equal(0, _cli.Run("snapshots", "--password-command", $"cat '{file}'").ExitCode);
        _cli.Environment["DEDUP_PASSWORD_COMMAND"] = $"cat '{file}'";
        Assert.Equal(0, _cli.Run("snapshots").ExitCode);
        var failing = _cli.Run("snapshots", "--password-command", "exit 4");
        Assert.Equal(1, failing.ExitCode);
        Assert.Contains("exited with code 4", Assert.Single(failing.StderrLines));
        var wrong = _cli.Run("snapshots", "--password-command", "echo not-the-password");
        Assert.Equal(1, wrong.ExitCode);
    }

    [Fact]
    public void Progress_says_files_done_of_found_errors_and_the_current_file()
    {
        var counter = new ProgressCounter();
        counter.StartScan();
        for (int i = 0; i < 10; i++) counter.Found(100);
        counter.AddItem();
        counter.AddError();
        counter.AddError();
        counter.Current = "/srv/app/templates/" + new string('x', 60) + "/welcome.html";
        string line = ProgressDisplay.Describe(counter, "backup", "files");
        Assert.StartsWith("backup 1/10+ files, 2 errors  …", line);
        Assert.EndsWith("/welcome.html", line);
        counter.EndScan();
        Assert.StartsWith("backup 1/10 files", ProgressDisplay.Describe(counter, "backup", "files"));

        // On a terminal (script(1) gives it one), the display shows it while a real backup runs.
        string data = _sandbox.Path("data");
        Directory.CreateDirectory(data);
        // Large enough that the backup outlasts several refreshes of the display (a short one is cleared unseen).
        for (int i = 0; i < 12; i++) File.WriteAllBytes(Path.Combine(data, $"part{i:D2}.bin"), RandomTree.Content(14_000_000, i));
        Assert.Equal(0, _cli.Init().ExitCode);
        var (exit, stdout, stderr) = Shell("script", $"script -q -e -c \"dotnet '{DedupCli.Dll}' backup '{data}'\" /dev/null", "",
            ("DEDUP_REPO", _sandbox.Path("repo")), ("DEDUP_PASSWORD", TestRepository.Password), ("TERM", "xterm"), ("COLUMNS", "160"));
        Assert.True(exit == 0, stdout + stderr);
        Assert.Matches(@"backup \d+/12 files", stdout);
        Assert.Contains("/part", stdout);
    }
}
