using Dedup.Core;
using Dedup.Snapshots;

namespace Dedup.Fuzz.Targets;

/// <summary>Tree decoding: any input raises CorruptDataException or decodes; a tree of the current encoding re-encodes
/// to the same bytes (encoding-1 trees are read only: they re-encode as encoding 2).</summary>
public static class TreeTarget
{
    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        try
        {
            var tree = TreeCodec.Decode(data);
            if (data[0] == TreeCodec.Version && !TreeCodec.Encode(tree).AsSpan().SequenceEqual(data))
                throw new InvalidOperationException("a decoded tree does not re-encode to its bytes: encoding is not canonical");
        }
        catch (CorruptDataException) { }
    }
}
