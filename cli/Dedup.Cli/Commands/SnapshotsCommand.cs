using System.CommandLine;

namespace Dedup.Cli.Commands;

public static class SnapshotsCommand
{
    public static Command Create()
    {
        var command = new Command("snapshots", "List snapshots");
        var filter = SnapshotFilterOptions.AddTo(command);
        command.SetAction(parse => CliContext.Run(parse, context =>
        {
            using var repository = context.Open("snapshots");
            var wanted = filter.Read(parse);
            var snapshots = repository.Catalog.Snapshots().Where(wanted.Matches).ToList();
            if (context.Json)
            {
                Console.Out.WriteLine(Format.ToJson(snapshots.Select(s => new
                {
                    id = s.Id,
                    short_id = s.ShortId,
                    time = s.Time,
                    host = s.Host,
                    kind = s.Kind.ToString().ToLowerInvariant(),
                    reference = s.Reference,
                    paths = s.Paths,
                    tags = s.Tags,
                    total_files = s.Totals.Files,
                    total_bytes = s.Totals.Bytes,
                    bytes_added = s.Totals.BytesAdded,
                })));
                return ExitCodes.Success;
            }
            Console.Out.WriteLine($"{"ID",-9} {"Time",-19}  {"Host",-12} {"Kind",-12} {"Ref",-9} {"Size",10}  {"Tags",-12} Paths");
            Console.Out.WriteLine(new string('-', 100));
            foreach (var s in snapshots)
            {
                Console.Out.WriteLine($"{s.ShortId,-9} {Format.Time(s.Time),-19}  {Trim(s.Host, 12),-12} {s.Kind.ToString().ToLowerInvariant(),-12} {(s.Reference is null ? "-" : s.Reference[..8]),-9} {Format.Bytes(s.Totals.Bytes),10}  {Trim(string.Join(',', s.Tags), 12),-12} {string.Join(' ', s.Paths)}");
            }
            Console.Out.WriteLine(new string('-', 100));
            Console.Out.WriteLine($"{snapshots.Count} snapshots");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static string Trim(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
