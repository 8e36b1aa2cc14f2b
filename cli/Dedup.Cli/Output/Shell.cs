using System.Diagnostics;

namespace Dedup.Cli;

/// <summary>Commands the user writes (hooks, --password-command) run as borgmatic and restic users write them:
/// through /bin/sh, so pipes and quoting work.</summary>
public static class Shell
{
    /// <summary>The start info for <paramref name="commandLine"/>, its stdout redirected.</summary>
    public static ProcessStartInfo Command(string commandLine, bool redirectStderr = false)
    {
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = redirectStderr, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(commandLine);
        return info;
    }
}
