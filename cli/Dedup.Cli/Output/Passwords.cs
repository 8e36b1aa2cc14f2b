using System.Text;
using Dedup.Core;

namespace Dedup.Cli;

/// <summary>Where passwords come from, in restic's order: an environment variable, a file, a prompt on a terminal.</summary>
public static class Passwords
{
    public static string Read(string? file, string environmentVariable, string prompt, bool confirm)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment)) return fromEnvironment;
        if (!string.IsNullOrEmpty(file))
        {
            try { return File.ReadAllText(file).TrimEnd('\r', '\n'); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DedupException($"cannot read the password file {file}: {e.Message}"); }
        }
        if (Console.IsInputRedirected || Console.IsErrorRedirected)
            throw new DedupException($"a password is needed: set ${environmentVariable}, pass --password-file, or run on a terminal");
        string password = Prompt(prompt);
        if (confirm && Prompt("enter the password again: ") != password) throw new DedupException("the passwords do not match");
        if (password.Length == 0) throw new DedupException("an empty password is not allowed");
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
