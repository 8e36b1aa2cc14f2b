using System.Diagnostics;

namespace Dedup.Tests.Support;

/// <summary>Runs the built <c>dedup</c> as a separate process, as a user would.</summary>
public sealed class DedupCli(string repository)
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "dedup.dll");

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        /// <summary>The last line of stdout as JSON: where `--json` commands put their summary.</summary>
        public System.Text.Json.JsonElement LastJson => System.Text.Json.JsonDocument.Parse(Stdout.Trim().Split('\n')[^1]).RootElement;
        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    /// <summary>$DEDUP_PASSWORD for the child; null leaves it unset.</summary>
    public string? Password { get; set; } = TestRepository.Password;

    /// <summary>Extra environment for the child (e.g. S3 credentials, timeouts).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>How long a command may take before it is killed and the test fails: a hang must not stall the run.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(3);

    public Result Run(params string[] args) => RunWith(null, null, args);

    /// <summary>init with the cheapest Argon2id: every later command derives the key again.</summary>
    public Result Init(params string[] extra) => Run(["init", "--kdf-memory", "8", "--kdf-iterations", "1", .. extra]);

    public Result RunWith(byte[]? stdin, string[]? prefix, params string[] args)
    {
        using var process = Start(prefix, args);
        if (stdin is not null) process.StandardInput.BaseStream.Write(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(true);
            process.WaitForExit();
            throw new TimeoutException($"dedup {string.Join(' ', args)} did not finish in {Timeout.TotalSeconds:0} s");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts dedup without waiting (for kill tests). <paramref name="prefix"/> runs it through another program (e.g. setpriv).</summary>
    public Process Start(string[]? prefix, params string[] args)
    {
        var all = (prefix ?? []).Concat(["dotnet", Dll]).Concat(args).ToList();
        var info = new ProcessStartInfo(all[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in all.Skip(1)) info.ArgumentList.Add(arg);
        info.Environment["DEDUP_REPO"] = repository;
        if (Password is not null) info.Environment["DEDUP_PASSWORD"] = Password;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in Environment) info.Environment[name] = value;
        return Process.Start(info)!;
    }
}
