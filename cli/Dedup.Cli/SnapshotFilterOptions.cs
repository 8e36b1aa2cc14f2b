using System.CommandLine;
using Dedup.Snapshots;

namespace Dedup.Cli;

/// <summary>restic's --host, --path and --tag: which snapshots "latest" (and listings) consider. One set of option
/// objects per command, since an option belongs to one command.</summary>
public sealed class SnapshotFilterOptions
{
    private readonly Option<string[]> _hosts = new("--host", "-H") { Description = "only snapshots of this host (repeatable: any of them)" };
    private readonly Option<string[]> _paths = new("--path") { Description = "only snapshots that hold this path (repeatable: all of them)" };
    private readonly Option<string[]> _tags = new("--tag") { Description = "only snapshots with this tag (repeatable: any of them; \"a,b\": both), e.g. set:contacts; pre-restore snapshots are never 'latest' unless this names that tag" };

    public static SnapshotFilterOptions AddTo(Command command)
    {
        var options = new SnapshotFilterOptions();
        command.Options.Add(options._hosts);
        command.Options.Add(options._paths);
        command.Options.Add(options._tags);
        return options;
    }

    public SnapshotFilter Read(ParseResult parse) => new()
    {
        Hosts = parse.GetValue(_hosts) ?? [],
        Paths = parse.GetValue(_paths) ?? [],
        Tags = parse.GetValue(_tags) ?? [],
    };
}
