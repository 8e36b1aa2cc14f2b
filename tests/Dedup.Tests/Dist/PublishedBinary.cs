using System.Diagnostics;
using Dedup.Tests.Support;

namespace Dedup.Tests.Dist;

/// <summary>
/// One `scripts/publish.sh linux-x64` per test run, shared by the tests of <see cref="PublishedBinaryCollection"/>:
/// a self-contained publish builds every project for the RID and takes most of a minute.
/// </summary>
public sealed class PublishedBinary : IDisposable
{
    private readonly Sandbox _output = new();

    public PublishedBinary()
    {
        Directory = _output.Root;
        // The test host's MSBuild variables would steer the child build; a build server left running would hold
        // the pipes open after it exits.
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => !name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) && !name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(name => name, name => Environment.GetEnvironmentVariable(name)!);
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        environment["MSBUILDDISABLENODEREUSE"] = "1";
        // ReadyToRun changes no behaviour and costs a minute of CPU here; the suite must stay well under 10 minutes.
        environment["READY_TO_RUN"] = "false";
        string root = Exec.RepositoryRoot();
        var clock = Stopwatch.StartNew();
        Publish = Exec.Run("bash", [Path.Combine(root, "scripts", "publish.sh"), "linux-x64", Directory], root, environment,
            cleanEnvironment: true, timeout: TimeSpan.FromMinutes(8));
        Elapsed = clock.Elapsed;
        if (Publish.ExitCode != 0 || !File.Exists(Binary)) throw new InvalidOperationException($"scripts/publish.sh failed: {Publish}");
    }

    /// <summary>The publish output: `dedup` and `systemd/`.</summary>
    public string Directory { get; }
    public string Binary => Path.Combine(Directory, "dedup");
    public DedupCli.Result Publish { get; }
    public TimeSpan Elapsed { get; }

    public void Dispose() => _output.Dispose();
}

// Not in parallel with other tests: the publish takes both cores for most of a minute, which would slow the
// timing-sensitive tests (hangs, kills, throttling) around it.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PublishedBinaryCollection : ICollectionFixture<PublishedBinary>
{
    public const string Name = "published binary";
}
