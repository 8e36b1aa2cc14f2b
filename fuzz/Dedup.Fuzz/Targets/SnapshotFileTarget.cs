using Dedup.Core;
using Dedup.Repository;
using Dedup.Snapshots;

namespace Dedup.Fuzz.Targets;

/// <summary>Format-2 snapshot files and config.json come from disk (and back from a bucket): any input decodes, or
/// raises CorruptDataException (a DedupException for a config of an unsupported version); never anything else.</summary>
public static class SnapshotFileTarget
{
    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        try { SnapshotCodec.Decode(data); }
        catch (CorruptDataException) { }
        try { RepositoryConfig.Parse(data.ToArray()); }
        catch (DedupException) { }
        try { StoredTree.Decompress(data.ToArray(), default); }
        catch (CorruptDataException) { }
    }
}
