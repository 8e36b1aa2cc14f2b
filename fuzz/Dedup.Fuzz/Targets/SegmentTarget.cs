using Dedup.Core;
using Dedup.Crypto;
using Dedup.Mirror;

namespace Dedup.Fuzz.Targets;

/// <summary>Catalog segments come from a bucket someone else runs: any input parses to records that re-encode to
/// the same bytes, or raises CorruptDataException. The name is taken as the input's own hash, so the parser (not
/// the hash check in front of it) is what gets fuzzed; plaintext sealing, so the body is reached.</summary>
public static class SegmentTarget
{
    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        try
        {
            var records = CatalogSegment.Decode(BlockId.Hash(data), data, PlainSealer.Instance);
            var (_, bytes) = CatalogSegment.Encode(records, PlainSealer.Instance);
            if (!bytes.AsSpan().SequenceEqual(data))
                throw new InvalidOperationException("a decoded segment does not re-encode to its bytes");
        }
        catch (CorruptDataException) { }
    }
}
