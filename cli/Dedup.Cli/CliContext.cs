using System.CommandLine;
using Dedup.Catalog.LiteDb;
using Dedup.Core;
using Dedup.Repository;

namespace Dedup.Cli;

/// <summary>What a command needs from the command line: the repository, output mode, and one place that turns
/// exceptions into one line on stderr and an exit code.</summary>
public sealed class CliContext(ParseResult parse)
{
    public static readonly CatalogFactory Catalogs = (path, access) => LiteCatalog.Open(path, access);

    public ParseResult Parse { get; } = parse;
    public bool Json => Parse.GetValue(GlobalOptions.Json);
    public bool Verbose => Parse.GetValue(GlobalOptions.Verbose);
    public bool Quiet => Parse.GetValue(GlobalOptions.Quiet);

    /// <summary>Progress goes to stderr, and only when a person is watching it.</summary>
    public bool Interactive => !Quiet && !Json && !Console.IsErrorRedirected;

    /// <summary>The policy file's repository: used when neither --repo nor $DEDUP_REPO names one.</summary>
    public string? PolicyRepository { get; set; }

    public string RepositoryPath
    {
        get
        {
            string? path = Parse.GetValue(GlobalOptions.Repo);
            if (string.IsNullOrEmpty(path)) path = Environment.GetEnvironmentVariable("DEDUP_REPO");
            if (string.IsNullOrEmpty(path)) path = PolicyRepository;
            if (string.IsNullOrEmpty(path))
            {
                string? data = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
                if (string.IsNullOrEmpty(data)) data = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
                path = Path.Combine(data, "dedup", "repo");
            }
            return Path.GetFullPath(path);
        }
    }

    public TimeSpan LockWait
    {
        get
        {
            var result = Parse.GetResult(GlobalOptions.Wait);
            if (result is null) return TimeSpan.Zero;
            string? text = Parse.GetValue(GlobalOptions.Wait);
            return string.IsNullOrEmpty(text) ? TimeSpan.FromDays(1) : Durations.Parse(text);
        }
    }

    /// <summary>Opens the repository. A command that writes and finds catalog.db damaged or missing (format 2) rebuilds
    /// it first, as `repair --catalog` does (the damaged file is kept beside it), and says so on stderr: an unattended
    /// backup heals the index instead of failing until someone repairs it. Readers only report the damage.</summary>
    public Repository.LocalRepository Open(string command, bool forWriting = false)
    {
        try { return Repository.LocalRepository.Open(RepositoryPath, Catalogs, Password, command, LockWait, forWriting); }
        catch (CatalogDamagedException e) when (forWriting)
        {
            Error($"warning: {e.InnerException?.Message ?? e.Message}; rebuilding it from snapshots/ and packs/ (as 'dedup repair --catalog')");
            using (var rebuilding = Repository.LocalRepository.OpenWithNewCatalog(RepositoryPath, Catalogs, Password, LockWait, TimeProvider.System))
            {
                var report = Repository.CatalogRebuilder.Run(rebuilding);
                if (report.Problems.Count > 0)
                    throw new DedupException($"the catalog was rebuilt with {report.Problems.Count} problems (first: {report.Problems[0]}); run 'dedup repair --catalog' to see them all");
            }
            return Repository.LocalRepository.Open(RepositoryPath, Catalogs, Password, command, LockWait, forWriting);
        }
    }

    /// <summary>The repository password: $DEDUP_PASSWORD, else --password-file ($DEDUP_PASSWORD_FILE), else
    /// --password-command ($DEDUP_PASSWORD_COMMAND), else a prompt without echo on a terminal.</summary>
    public string Password() => Passwords.Read(PasswordFile, "DEDUP_PASSWORD", "enter password for repository: ", confirm: false, PasswordCommand);

    /// <summary>The password for a new repository: the same sources, and a prompt asks twice.</summary>
    public string NewRepositoryPassword() => Passwords.Read(PasswordFile, "DEDUP_PASSWORD", "enter password for new repository: ", confirm: true, PasswordCommand);

    private string? PasswordFile => Parse.GetValue(GlobalOptions.PasswordFile) ?? NonEmpty(Environment.GetEnvironmentVariable("DEDUP_PASSWORD_FILE"));
    private string? PasswordCommand => Parse.GetValue(GlobalOptions.PasswordCommand) ?? NonEmpty(Environment.GetEnvironmentVariable("DEDUP_PASSWORD_COMMAND"));

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    public void Error(string message) => Console.Error.WriteLine($"dedup: {message}");

    public void Info(string message)
    {
        if (!Quiet && !Json) Console.Out.WriteLine(message);
    }

    /// <summary>Runs a command body: a known failure is one line on stderr (the cause chain with --verbose), exit 1
    /// (11 when another process holds the repository).</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<CliContext, Task<int>> body)
    {
        var context = new CliContext(parse);
        try
        {
            return await body(context);
        }
        catch (RepositoryLockedException e)
        {
            context.Error(e.Message);
            return ExitCodes.Locked;
        }
        catch (Exception e) when (e is DedupException or IOException or UnauthorizedAccessException or FormatException)
        {
            context.Error(e.Message);
            if (context.Verbose) Console.Error.WriteLine(e);
            return ExitCodes.Error;
        }
        catch (OperationCanceledException)
        {
            context.Error("stopped before the end; the repository is consistent (nothing half-done was kept)");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            context.Error($"unexpected error: {e.Message}{(context.Verbose ? "" : " (run with --verbose for details)")}");
            if (context.Verbose) Console.Error.WriteLine(e);
            return ExitCodes.Error;
        }
    }

    public static Task<int> Run(ParseResult parse, Func<CliContext, int> body) => RunAsync(parse, c => Task.FromResult(body(c)));
}
