using Dedup.Tests.Support;

namespace Dedup.Tests.Dist;

/// <summary>dist/systemd: the units pass `systemd-analyze verify`, and the service's command line, run as written,
/// ends with an exit status the unit counts as success when another dedup holds the repository.</summary>
public class SystemdUnitTests
{
    private const string InstalledBinary = "/usr/local/bin/dedup";
    private const string InstalledPolicy = "/etc/dedup/dedup.toml";

    private static string Unit(string name) => File.ReadAllText(Path.Combine(Exec.RepositoryRoot(), "dist", "systemd", name));

    private static IEnumerable<string> Values(string unit, string key) =>
        unit.Split('\n').Where(l => l.StartsWith(key + "=", StringComparison.Ordinal)).Select(l => l[(key.Length + 1)..].Trim());

    /// <summary>A real `dedup` at a path of the sandbox: the built dedup.dll behind a two-line script.</summary>
    private static string Wrapper(Sandbox sandbox)
    {
        string path = sandbox.Path("dedup");
        File.WriteAllText(path, $"#!/bin/sh\nexec dotnet '{DedupCli.Dll}' \"$@\"\n");
        File.SetUnixFileMode(path, (UnixFileMode)0x1ED);
        return path;
    }

    [Fact]
    public void The_units_pass_systemd_analyze_verify()
    {
        // .ci/run installs it: there a missing systemd-analyze fails the test instead of skipping it.
        if (!File.Exists("/usr/bin/systemd-analyze") && Environment.GetEnvironmentVariable("CI") != "true") return;
        using var sandbox = new Sandbox();
        // verify checks that ExecStart's program exists: point it at a real dedup, as an install would.
        File.WriteAllText(sandbox.Path("dedup.service"), Unit("dedup.service").Replace(InstalledBinary, Wrapper(sandbox)));
        File.WriteAllText(sandbox.Path("dedup.timer"), Unit("dedup.timer"));
        var verify = Exec.Run("systemd-analyze", ["verify", sandbox.Path("dedup.service"), sandbox.Path("dedup.timer")], sandbox.Root);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        // Unknown keys and bad values are only warnings: none may name our units.
        Assert.DoesNotContain(verify.StderrLines, l => l.Contains("dedup.", StringComparison.Ordinal));

        // A unit that is wrong must fail the same check, or the check above proves nothing.
        File.WriteAllText(sandbox.Path("dedup.service"), Unit("dedup.service").Replace("Nice=19", "Nicee=19").Replace(InstalledBinary, Wrapper(sandbox)));
        var broken = Exec.Run("systemd-analyze", ["verify", sandbox.Path("dedup.service"), sandbox.Path("dedup.timer")], sandbox.Root);
        Assert.Contains(broken.StderrLines, l => l.Contains("dedup.service", StringComparison.Ordinal) && l.Contains("Nicee", StringComparison.Ordinal));
    }

    [Fact]
    public void The_units_say_what_the_issue_asks()
    {
        string service = Unit("dedup.service"), timer = Unit("dedup.timer");
        Assert.Equal(["oneshot"], Values(service, "Type"));
        Assert.Equal(["idle"], Values(service, "IOSchedulingClass"));
        Assert.Equal(["19"], Values(service, "Nice"));
        Assert.Equal([$"{InstalledBinary} run --policy {InstalledPolicy} --quiet"], Values(service, "ExecStart"));
        Assert.Equal(["hourly"], Values(timer, "OnCalendar"));
        Assert.Equal(["true"], Values(timer, "Persistent"));
        Assert.Equal(["timers.target"], Values(timer, "WantedBy"));
    }

    [Fact]
    public void ExecStart_run_as_written_exits_with_a_success_status_while_another_dedup_holds_the_repository()
    {
        using var sandbox = new Sandbox();
        string repo = sandbox.Path("repo");
        Assert.Equal(0, new DedupCli(repo).Init().ExitCode);
        string data = sandbox.Path("data");
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "a.txt"), "a");
        string policy = sandbox.Path("dedup.toml");
        File.WriteAllText(policy, $"repository = \"{repo}\"\n\n[[set]]\nname = \"data\"\npaths = [\"{data}\"]\ntier = \"standard\"\n");

        string[] command = Values(Unit("dedup.service"), "ExecStart").Single()
            .Replace(InstalledBinary, Wrapper(sandbox)).Replace(InstalledPolicy, policy).Split(' ');
        var environment = new Dictionary<string, string> { ["DEDUP_PASSWORD"] = TestRepository.Password, ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" };
        var success = Values(Unit("dedup.service"), "SuccessExitStatus").SelectMany(v => v.Split(' ')).Select(int.Parse).Append(0).ToHashSet();

        DedupCli.Result busy;
        using (Dedup.Repository.RepositoryLock.Acquire(new Dedup.Repository.RepositoryLayout(repo), "dedup backup", TimeSpan.Zero))
            busy = Exec.Run(command[0], command[1..], sandbox.Root, environment);
        Assert.True(busy.ExitCode == 11, busy.ToString());
        Assert.Contains(busy.ExitCode, success);

        // And once the repository is free, the same line does the plan's work.
        var run = Exec.Run(command[0], command[1..], sandbox.Root, environment);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal([0, 11], success.Order()); // a failed run (1) must still fail the unit
    }
}
