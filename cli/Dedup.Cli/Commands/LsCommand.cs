using System.CommandLine;
using Dedup.Core;
using Dedup.Snapshots;

namespace Dedup.Cli.Commands;

public static class LsCommand
{
    public static Command Create()
    {
        var snapshot = new Argument<string>("SNAPSHOT") { Description = "snapshot id, prefix, or 'latest'" };
        var path = new Argument<string?>("PATH") { Description = "list only this path and what is under it", Arity = ArgumentArity.ZeroOrOne };
        var longFormat = new Option<bool>("--long", "-l") { Description = "show mode, size and time" };
        var command = new Command("ls", "List files in a snapshot") { snapshot, path, longFormat };
        var filter = SnapshotFilterOptions.AddTo(command);
        command.SetAction(parse => CliContext.Run(parse, context =>
        {
            using var repository = context.Open("ls");
            var snap = SnapshotResolver.Resolve(repository.Catalog.Snapshots(), parse.GetValue(snapshot)!, filter.Read(parse));
            var trees = repository.CreateTreeReader();
            var entries = Entries(trees, snap, parse.GetValue(path)).ToList();
            if (context.Json)
            {
                Console.Out.WriteLine(Format.ToJson(entries.Select(e => new
                {
                    path = Native.FileName.Display(e.Path),
                    name = Native.FileName.Display(e.Node.Name),
                    type = e.Node.Type.ToString().ToLowerInvariant(),
                    size = e.Node.Size,
                    mode = Convert.ToString(e.Node.Mode, 8),
                    mtime = Format.FromNs(e.Node.MtimeNs),
                    uid = e.Node.Uid,
                    gid = e.Node.Gid,
                    link_target = e.Node.LinkTarget is { } target ? Native.FileName.Display(target) : null,
                })));
                return ExitCodes.Success;
            }
            bool details = parse.GetValue(longFormat);
            foreach (var (p, node) in entries)
            {
                string shown = Native.FileName.Display(p);
                if (!details) { Console.Out.WriteLine(shown); continue; }
                string link = node.Type == NodeType.Symlink ? $" -> {Native.FileName.Display(node.LinkTarget!)}" : "";
                Console.Out.WriteLine($"{Format.Mode(node)} {node.Uid,5} {node.Gid,5} {node.Size,12} {Format.Time(Format.FromNs(node.MtimeNs))} {shown}{link}");
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    internal static IEnumerable<(string Path, TreeNode Node)> Entries(TreeReader trees, Snapshot snapshot, string? path)
    {
        if (string.IsNullOrEmpty(path) || TreeReader.SplitPath(path).Length == 0) return trees.Walk(snapshot.Root, "/");
        string normalized = TreeReader.Normalize(Native.FileName.ParseDisplay(path));
        var node = trees.Find(snapshot.Root, normalized) ?? throw new DedupException($"{Native.FileName.Display(normalized)}: no such path in snapshot {snapshot.ShortId}");
        var self = new[] { (normalized, node) };
        return node.Type == NodeType.Directory ? self.Concat(trees.Walk(node.Subtree, normalized)) : self;
    }
}
