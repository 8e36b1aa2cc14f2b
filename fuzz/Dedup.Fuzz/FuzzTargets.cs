using Dedup.Fuzz.Targets;

namespace Dedup.Fuzz;

public delegate void FuzzTarget(ReadOnlySpan<byte> data);

public static class FuzzTargets
{
    public static readonly IReadOnlyDictionary<string, FuzzTarget> All = new Dictionary<string, FuzzTarget>
    {
        ["pack"] = PackTarget.Fuzz,
        ["pack-trailer"] = PackTrailerTarget.Fuzz,
        ["tree"] = TreeTarget.Fuzz,
        ["segment"] = SegmentTarget.Fuzz,
        ["snapshot"] = SnapshotFileTarget.Fuzz,
        ["index"] = IndexRunTarget.Fuzz,
        ["keys"] = KeyFileTarget.Fuzz,
        ["catalog"] = CatalogRecordTarget.Fuzz,
        ["group"] = GroupTarget.Fuzz,
    };

    /// <summary>Runs a target over every file of a corpus directory; returns how many inputs ran.</summary>
    public static int Replay(string target, string corpusDirectory)
    {
        var fuzz = All[target];
        int count = 0;
        foreach (var file in Directory.EnumerateFiles(corpusDirectory).Order(StringComparer.Ordinal))
        {
            fuzz(File.ReadAllBytes(file));
            count++;
        }
        return count;
    }
}
