using System.CommandLine;
using Dedup.Core;
using Dedup.Snapshots;

namespace Dedup.Cli.Commands;

public static class CatCommand
{
    public static Command Create()
    {
        var snapshot = new Argument<string>("SNAPSHOT") { Description = "snapshot id, prefix, or 'latest'" };
        var path = new Argument<string>("PATH") { Description = "file to write to stdout" };
        var command = new Command("cat", "Write one file of a snapshot to standard output") { snapshot, path };
        var filter = SnapshotFilterOptions.AddTo(command);
        command.SetAction(parse => CliContext.Run(parse, context =>
        {
            using var repository = context.Open("cat");
            var snap = SnapshotResolver.Resolve(repository.Catalog.Snapshots(), parse.GetValue(snapshot)!, filter.Read(parse));
            string wanted = TreeReader.Normalize(Native.FileName.ParseDisplay(parse.GetValue(path)!));
            var node = repository.CreateTreeReader().Find(snap.Root, wanted)
                ?? throw new DedupException($"{Native.FileName.Display(wanted)}: no such path in snapshot {snap.ShortId}");
            if (node.Type != NodeType.File) throw new DedupException($"{wanted} is not a file");
            using var stdout = Console.OpenStandardOutput();
            // Every block is verified before any of it is written: wrong bytes never reach stdout.
            byte[] buffer = [];
            foreach (var id in node.Content)
            {
                int length = repository.LoadBlock(id, ref buffer);
                stdout.Write(buffer, 0, length);
            }
            return ExitCodes.Success;
        }));
        return command;
    }
}
