using Dedup.Core;
using Dedup.Snapshots;

namespace Dedup.Fuzz.Targets;

/// <summary>Tree decoding: any input decodes to a tree that re-encodes to the same bytes, or raises CorruptDataException.</summary>
public static class TreeTarget
{
    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        try
        {
            var tree = TreeCodec.Decode(data);
            if (!TreeCodec.Encode(tree).AsSpan().SequenceEqual(data))
                throw new InvalidOperationException("a decoded tree does not re-encode to its bytes: encoding is not canonical");
        }
        catch (CorruptDataException) { }
    }
}
