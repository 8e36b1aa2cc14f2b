using Dedup.Core;
using Dedup.Packs;

namespace Dedup.Fuzz.Targets;

/// <summary>Pack header and trailer parsing: any input either parses into in-bounds entries or raises CorruptDataException.</summary>
public static class PackTarget
{
    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        try
        {
            var entries = PackReader.Parse(data, Crypto.PlainSealer.Instance);
            foreach (var e in entries)
                if (e.Offset < PackFormat.HeaderSize || e.Offset + e.StoredLength > data.Length)
                    throw new InvalidOperationException("parsed entry points outside the pack");
        }
        catch (CorruptDataException) { }
    }
}
