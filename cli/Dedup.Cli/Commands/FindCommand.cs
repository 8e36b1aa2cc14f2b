using System.CommandLine;
using Dedup.Backup.Selection;
using Dedup.Snapshots;

namespace Dedup.Cli.Commands;

public static class FindCommand
{
    public static Command Create()
    {
        var pattern = new Argument<string>("GLOB") { Description = "a name pattern ('*.sql'), a path pattern ('/srv/**/contacts.db') or a directory pattern ('cache/'), read as backup --exclude reads them" };
        var command = new Command("find", "Find which snapshots hold paths matching a pattern") { pattern };
        var filter = SnapshotFilterOptions.AddTo(command);
        command.SetAction(parse => CliContext.Run(parse, context =>
        {
            using var repository = context.Open("find");
            var glob = PathPattern.Parse(parse.GetValue(pattern)!);
            var search = new TreeSearch(repository.CreateTreeReader(),
                (path, node) => glob.MatchesEntry(PathPattern.Components(path), node.Type == NodeType.Directory));
            var results = new List<object>();
            foreach (var snapshot in repository.Catalog.Snapshots().Where(filter.Read(parse).Matches))
            {
                var matches = search.In(snapshot.Root);
                if (matches.Count == 0) continue;
                if (context.Json)
                {
                    results.Add(new
                    {
                        snapshot = snapshot.Id,
                        time = snapshot.Time,
                        matches = matches.Select(m => new { path = Native.FileName.Display(m.Path), type = m.Node.Type.ToString().ToLowerInvariant(), size = m.Node.Size, mtime = Format.FromNs(m.Node.MtimeNs) }),
                    });
                    continue;
                }
                Console.Out.WriteLine($"Found matching entries in snapshot {snapshot.ShortId} from {Format.Time(snapshot.Time)}");
                foreach (var (path, node) in matches)
                    Console.Out.WriteLine($"  {Format.Mode(node)} {node.Size,12} {Format.Time(Format.FromNs(node.MtimeNs))} {Native.FileName.Display(path)}");
                Console.Out.WriteLine();
            }
            if (context.Json) Console.Out.WriteLine(Format.ToJson(results));
            return ExitCodes.Success;
        }));
        return command;
    }
}
