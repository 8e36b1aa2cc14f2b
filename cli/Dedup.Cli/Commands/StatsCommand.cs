using System.CommandLine;

namespace Dedup.Cli.Commands;

public static class StatsCommand
{
    public static Command Create()
    {
        var command = new Command("stats", "Show repository size, deduplication and compression");
        command.SetAction(parse => CliContext.Run(parse, context =>
        {
            using var repository = context.Open("stats");
            var snapshots = repository.Catalog.Snapshots();
            var packs = repository.Catalog.Packs();
            long packBytes = packs.Sum(p => p.Length);
            long rawBytes = 0, storedBytes = 0, blocks = 0;
            var groups = new HashSet<(Dedup.Core.BlockId, long)>(); // the members of a group share its stored bytes
            foreach (var (_, location) in repository.IndexEntries())
            {
                rawBytes += location.RawLength;
                if (location.Codec != Dedup.Core.Codec.Grouped || groups.Add((location.Pack, location.Offset))) storedBytes += location.StoredLength;
                blocks++;
            }
            long logical = snapshots.Sum(s => s.Totals.Bytes);
            var stats = new
            {
                snapshots = snapshots.Count,
                packs = packs.Count,
                blocks,
                pack_bytes = packBytes,
                unique_bytes = rawBytes,
                stored_bytes = storedBytes,
                snapshots_bytes = logical,
                dedup_ratio = rawBytes == 0 ? 0 : Math.Round((double)logical / rawBytes, 3),
                compression_ratio = storedBytes == 0 ? 0 : Math.Round((double)rawBytes / storedBytes, 3),
            };
            if (context.Json) { Console.Out.WriteLine(Format.ToJson(stats)); return ExitCodes.Success; }
            Console.Out.WriteLine($"repository:          {repository.Layout.Root}");
            Console.Out.WriteLine($"snapshots:           {stats.snapshots}");
            Console.Out.WriteLine($"packs:               {stats.packs} ({Format.Bytes(packBytes)})");
            Console.Out.WriteLine($"blocks:              {stats.blocks} ({Format.Bytes(rawBytes)} unique, {Format.Bytes(storedBytes)} stored)");
            Console.Out.WriteLine($"size of snapshots:   {Format.Bytes(logical)}");
            Console.Out.WriteLine($"deduplication ratio: {stats.dedup_ratio}x");
            Console.Out.WriteLine($"compression ratio:   {stats.compression_ratio}x");
            return ExitCodes.Success;
        }));
        return command;
    }
}
