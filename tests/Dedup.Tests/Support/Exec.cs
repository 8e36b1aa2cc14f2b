using System.Diagnostics;

namespace Dedup.Tests.Support;

/// <summary>Runs any program as a process (dedup's own runs go through <see cref="DedupCli"/>).</summary>
public static class Exec
{
    public static DedupCli.Result Run(string file, IEnumerable<string> args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, bool cleanEnvironment = false, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        if (cleanEnvironment) info.Environment.Clear();
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromMinutes(3);
        if (!process.WaitForExit(limit))
        {
            process.Kill(true);
            process.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {limit.TotalSeconds:0} s");
        }
        return new DedupCli.Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The checkout's root (where Dedup.sln is), for tests of the scripts and files it ships.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dedup.sln"))) return dir.FullName;
        throw new InvalidOperationException("Dedup.sln not found above " + AppContext.BaseDirectory);
    }
}
