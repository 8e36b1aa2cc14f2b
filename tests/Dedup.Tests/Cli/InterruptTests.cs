using System.Diagnostics;
using System.Text.Json;
using Dedup.Tests.Support;

namespace Dedup.Tests.Cli;

/// <summary>Ctrl-C (SIGINT) and SIGTERM at random moments of a backup and a restore: the command says it is
/// stopping, exits 130, and leaves a repository that check passes and a target holding only whole files.</summary>
public class InterruptTests : IDisposable
{
    private const int Files = 24, FileSize = 3_000_000;
    private readonly Sandbox _sandbox = new();
    private readonly DedupCli _cli;
    private readonly string _data;

    public InterruptTests()
    {
        _cli = new DedupCli(_sandbox.Path("repo"));
        _data = _sandbox.Path("data");
        Directory.CreateDirectory(_data);
        for (int i = 0; i < Files; i++) File.WriteAllBytes(Path.Combine(_data, $"part{i:D2}.bin"), RandomTree.Content(FileSize, 100 + i));
        Assert.Equal(0, _cli.Init().ExitCode);
    }

    public void Dispose() => _sandbox.Dispose();

    /// <summary>SIGINT is ignored by a process whose parent ignored it (a background job of a script); .NET keeps
    /// it ignored, so then only SIGTERM can be tested.</summary>
    private static bool SigintIgnoredHere()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return (Convert.ToUInt64(line[7..].Trim(), 16) & 0b10) != 0;
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", ["-s", signal, process.Id.ToString()]);
        kill.WaitForExit();
    }

    /// <summary>Bytes the process has read ("rchar") or written ("wchar") so far: a moment to signal that is
    /// reached at any machine speed, unlike a delay.</summary>
    private static long IoCounter(Process process, string field)
    {
        try
        {
            string line = File.ReadLines($"/proc/{process.Id}/io").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
            return long.Parse(line[(field.Length + 1)..].Trim());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException) { return long.MaxValue; }
    }

    private static (int ExitCode, string Stderr) Interrupt(Process process, string signal, string field, long atBytes)
    {
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        var deadline = Stopwatch.StartNew();
        while (!process.HasExited && IoCounter(process, field) < atBytes && deadline.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(2);
        if (!process.HasExited) Signal(process, signal);
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "did not stop within 60 s of the signal");
        return (process.ExitCode, stderr.Result);
    }

    private int SnapshotCount() => JsonDocument.Parse(_cli.Run("snapshots", "--json").Stdout).RootElement.GetArrayLength();

    [Fact]
    public void A_backup_stopped_by_a_signal_saves_nothing_and_leaves_a_repository_check_passes()
    {
        var random = new Random(7);
        var signals = SigintIgnoredHere() ? new[] { "TERM", "TERM", "TERM", "TERM" } : new[] { "INT", "TERM", "INT", "TERM" };
        int interrupted = 0;
        foreach (var signal in signals)
        {
            int before = SnapshotCount();
            // Each round changes every file a little, so each backup has real work to be interrupted in.
            foreach (var file in Directory.GetFiles(_data)) File.AppendAllText(file, signal);
            var process = _cli.Start(null, "backup", _data, "--kind", "full");
            var (exit, stderr) = Interrupt(process, signal, "rchar", (long)(Files * FileSize * (0.1 + 0.7 * random.NextDouble())));
            if (exit == 0) { Assert.Equal(before + 1, SnapshotCount()); continue; } // finished first: nothing to stop
            interrupted++;
            Assert.True(exit == 130, $"{signal}: exit {exit}\n{stderr}");
            Assert.Contains("stopping", stderr);
            Assert.DoesNotContain("   at ", stderr);
            Assert.Equal(before, SnapshotCount());
            var check = _cli.Run("check", "--read-data");
            Assert.True(check.ExitCode == 0, check.ToString());
        }
        Assert.True(interrupted >= 2, $"only {interrupted} of {signals.Length} backups were still running when signalled");
        Assert.Equal(0, _cli.Run("backup", _data).ExitCode);
        Assert.Equal(0, _cli.Run("check", "--read-data").ExitCode);
    }

    [Fact]
    public void A_restore_stopped_by_a_signal_leaves_only_whole_files()
    {
        Assert.Equal(0, _cli.Run("backup", _data).ExitCode);
        var random = new Random(11);
        foreach (var (round, signal) in (SigintIgnoredHere() ? new[] { "TERM", "TERM" } : new[] { "INT", "TERM" }).Index())
        {
            string target = _sandbox.Path($"restore-{round}-{signal}");
            var process = _cli.Start(null, "restore", "latest", "--target", target);
            var (exit, stderr) = Interrupt(process, signal, "wchar", (long)(Files * FileSize * (0.1 + 0.6 * random.NextDouble())));
            Assert.True(exit is 0 or 130, $"{signal}: exit {exit}\n{stderr}");
            string restored = target + _data;
            var files = Directory.Exists(restored) ? Directory.GetFileSystemEntries(restored) : [];
            Assert.DoesNotContain(files, f => Path.GetFileName(f).Contains(".dedup-"));
            foreach (var file in files)
                Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(_data, Path.GetFileName(file)))), file);
            if (exit == 130) Assert.Contains("stopping", stderr);
        }
    }

    [Fact]
    public void Check_and_prune_stopped_by_a_signal_exit_130_and_leave_a_repository_that_restores()
    {
        Assert.Equal(0, _cli.Run("backup", _data).ExitCode);
        foreach (var file in Directory.GetFiles(_data).Take(Files / 2)) File.WriteAllBytes(file, RandomTree.Content(FileSize, file.Length));
        Assert.Equal(0, _cli.Run("backup", _data).ExitCode);
        string signal = SigintIgnoredHere() ? "TERM" : "INT";

        var check = _cli.Start(null, "check", "--read-data");
        var (checkExit, checkStderr) = Interrupt(check, signal, "rchar", Files * FileSize / 3);
        Assert.True(checkExit is 0 or 130, $"check: exit {checkExit}\n{checkStderr}");

        // The first snapshot's unshared half is now dead: a prune with repacking has packs to read and write.
        Assert.Equal(0, _cli.Run("forget", "--keep-last", "1").ExitCode);
        var prune = _cli.Start(null, "prune", "--repack-below", "1");
        var (pruneExit, pruneStderr) = Interrupt(prune, signal, "rchar", Files * FileSize / 4);
        Assert.True(pruneExit is 0 or 130, $"prune: exit {pruneExit}\n{pruneStderr}");
        Assert.True(checkExit == 130 || pruneExit == 130, "neither was still running when signalled");
        foreach (var (exit, stderr) in new[] { (checkExit, checkStderr), (pruneExit, pruneStderr) })
            if (exit == 130) Assert.Contains("stopping", stderr);

        var after = _cli.Run("check", "--read-data");
        Assert.True(after.ExitCode == 0, after.ToString());
        string target = _sandbox.Path("restored");
        Assert.Equal(0, _cli.Run("restore", "latest", "--target", target, "--verify").ExitCode);
        foreach (var file in Directory.GetFiles(_data))
            Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(target + file)), file);
        Assert.Equal(0, _cli.Run("prune", "--repack-below", "1").ExitCode);
        Assert.Equal(0, _cli.Run("check", "--read-data").ExitCode);
    }
}
