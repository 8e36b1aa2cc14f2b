using System.Text;
using Dedup.Core;

namespace Dedup.Cli;

/// <summary>Where passwords come from, in restic's order: an environment variable, a file, a command (a secrets
/// manager), a prompt on a terminal.</summary>
public static class Passwords
{
    public static string Read(string? file, string environmentVariable, string prompt, bool confirm, string? command = null)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment)) return fromEnvironment;
        if (!string.IsNullOrEmpty(file))
        {
            try { return File.ReadAllText(file).TrimEnd('\r', '\n'); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DedupException($"cannot read the password file {file}: {e.Message}"); }
        }
        if (!string.IsNullOrEmpty(command)) return FromCommand(command);
        if (Console.IsInputRedirected || Console.IsErrorRedirected)
            throw new DedupException($"a password is needed: set ${environmentVariable}, pass --password-file or --password-command, or run on a terminal");
        string password = Prompt(prompt);
        if (confirm && Prompt("enter the password again: ") != password) throw new DedupException("the passwords do not match");
        if (password.Length == 0) throw new DedupException("an empty password is not allowed");
        return password;
    }

    /// <summary>The first line <paramref name="command"/> (run by /bin/sh, as restic users write it: `pass show
    /// backup`, `secret-tool lookup …`) prints; its stderr and stdin stay the terminal's, so it can ask too.</summary>
    private static string FromCommand(string command)
    {
        using var process = System.Diagnostics.Process.Start(Shell.Command(command)) ?? throw new DedupException($"could not run the password command '{command}'");
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new DedupException($"the password command '{command}' exited with code {process.ExitCode}");
        string password = output.Split('\n')[0].TrimEnd('\r');
        if (password.Length == 0) throw new DedupException($"the password command '{command}' printed no password");
        return password;
    }

    private static string Prompt(string prompt)
    {
        Console.Error.Write(prompt);
        var sb = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (sb.Length > 0) sb.Length--; continue; }
            if (!char.IsControl(key.KeyChar)) sb.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return sb.ToString();
    }
}
