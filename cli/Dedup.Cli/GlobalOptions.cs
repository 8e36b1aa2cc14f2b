using System.CommandLine;

namespace Dedup.Cli;

/// <summary>Options every command takes (restic spells them the same way).</summary>
public static class GlobalOptions
{
    public static readonly Option<string?> Repo = new("--repo", "-r")
    {
        Description = "repository directory (default: $DEDUP_REPO, else ~/.local/share/dedup/repo)",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "write machine-readable JSON to stdout",
        Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "show more detail, including the cause chain of errors",
        Recursive = true,
    };

    public static readonly Option<bool> Quiet = new("--quiet", "-q")
    {
        Description = "no progress display and no summary except errors",
        Recursive = true,
    };

    public static readonly Option<string?> Wait = new("--wait")
    {
        Description = "wait up to this long for a locked repository (e.g. 30s, 5m; default: do not wait)",
        Recursive = true,
        Arity = ArgumentArity.ZeroOrOne,
    };

    public static readonly Option<string?> PasswordFile = new("--password-file", "-p")
    {
        Description = "read the repository password from this file (default: $DEDUP_PASSWORD, else $DEDUP_PASSWORD_FILE, else a prompt)",
        Recursive = true,
    };

    public static readonly Option<string?> PasswordCommand = new("--password-command")
    {
        Description = "run this shell command and use the first line it prints as the password (default: $DEDUP_PASSWORD_COMMAND), e.g. 'pass show backup'",
        Recursive = true,
    };

    public static IEnumerable<Option> All => [Repo, PasswordFile, PasswordCommand, Json, Verbose, Quiet, Wait];
}
