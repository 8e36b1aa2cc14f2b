using Dedup.Fuzz;
using SharpFuzz;

// dotnet Dedup.Fuzz.dll TARGET               run under afl-fuzz (see docs/fuzzing.md)
// dotnet Dedup.Fuzz.dll replay TARGET DIR    run every file of DIR through TARGET once
// dotnet Dedup.Fuzz.dll seed TARGET DIR      write the generated seeds of index, keys, catalog or pack-trailer into DIR
var seeds = new Dictionary<string, Action<string>>
{
    ["index"] = Dedup.Fuzz.Targets.IndexRunTarget.WriteSeeds,
    ["keys"] = Dedup.Fuzz.Targets.KeyFileTarget.WriteSeeds,
    ["catalog"] = Dedup.Fuzz.Targets.CatalogRecordTarget.WriteSeeds,
    ["pack-trailer"] = Dedup.Fuzz.Targets.PackTrailerTarget.WriteSeeds,
};
if (args.Length == 3 && args[0] == "seed" && seeds.TryGetValue(args[1], out var writeSeeds))
{
    writeSeeds(args[2]);
    return 0;
}
if (args.Length == 3 && args[0] == "replay" && FuzzTargets.All.ContainsKey(args[1]))
{
    Console.WriteLine($"{FuzzTargets.Replay(args[1], args[2])} inputs ran cleanly");
    return 0;
}
if (args.Length == 1 && FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        target(memory.ToArray());
    });
    return 0;
}
Console.Error.WriteLine($"usage: Dedup.Fuzz ({string.Join('|', FuzzTargets.All.Keys)}) | replay TARGET DIR");
return 2;
