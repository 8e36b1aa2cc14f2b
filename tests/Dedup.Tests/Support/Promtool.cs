using System.Diagnostics;

namespace Dedup.Tests.Support;

/// <summary>
/// Prometheus' own checker for the text format (<c>promtool check metrics</c>, from Debian's prometheus package, which
/// .ci/run installs). With CI=true a missing promtool fails the test; elsewhere the test returns early with the
/// reason printed.
/// </summary>
public static class Promtool
{
    private static readonly string? Found = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists);

    public static bool Available()
    {
        if (Found is not null) return true;
        if (Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException("CI=true but promtool is missing: .ci/run must install Debian's prometheus package");
        Console.WriteLine("promtool test skipped: no promtool (apt-get install --no-install-recommends prometheus)");
        return false;
    }

    /// <summary>Exit code and what promtool said about the metrics in <paramref name="file"/> (0: valid, no lint problems).</summary>
    public static (int ExitCode, string Output) CheckMetrics(string file)
    {
        var info = new ProcessStartInfo(Found!) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("check");
        info.ArgumentList.Add("metrics");
        using var process = Process.Start(info)!;
        process.StandardInput.Write(File.ReadAllText(file));
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }
}
