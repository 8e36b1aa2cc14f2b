using System.Buffers.Binary;
using System.IO.Hashing;
using Dedup.Core;
using Dedup.Crypto;
using Dedup.Packs;

namespace Dedup.Fuzz.Targets;

/// <summary>
/// The pack trailer's entry parser behind the footer's checksum: the input's footer checksum is recomputed over the
/// trailer it claims before parsing, so a mutated entry (a group's members, an offset, a codec) reaches the parser
/// instead of stopping at the checksum, as nearly every mutation of the <c>pack</c> target does.
/// </summary>
public static class PackTrailerTarget
{
    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        var input = data.ToArray();
        if (input.Length >= PackFormat.FooterSize)
        {
            var footer = input.AsSpan(input.Length - PackFormat.FooterSize);
            long trailerLength = BinaryPrimitives.ReadUInt32LittleEndian(footer[4..]);
            if (trailerLength <= input.Length - PackFormat.FooterSize)
            {
                var trailer = input.AsSpan((int)(input.Length - PackFormat.FooterSize - trailerLength), (int)trailerLength);
                BinaryPrimitives.WriteUInt64LittleEndian(footer[8..], XxHash64.HashToUInt64(trailer));
            }
        }
        PackTarget.Fuzz(input);
    }

    /// <summary>Packs with groups (ADR 0011) beside lone blocks, and a group alone.</summary>
    public static void WriteSeeds(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "lone-group-lone"), Pack(writer =>
        {
            writer.Add(Id(1), Codec.Raw, Bytes(1, 40), 40);
            writer.AddGroup([(Id(2), 100), (Id(3), 50), (Id(4), 70)], Bytes(2, 90));
            writer.Add(Id(5), Codec.Zstd, Bytes(3, 30), 64);
        }));
        File.WriteAllBytes(Path.Combine(directory, "two-groups"), Pack(writer =>
        {
            writer.AddGroup([(Id(6), 16384), (Id(7), 16384)], Bytes(4, 200));
            writer.AddGroup([(Id(8), 10), (Id(9), 20), (Id(10), 30), (Id(11), 40)], Bytes(5, 60));
        }));
        File.WriteAllBytes(Path.Combine(directory, "three-lone"), Pack(writer =>
        {
            for (byte i = 12; i < 15; i++) writer.Add(Id(i), Codec.Raw, Bytes(i, 25), 25);
        }));
        File.WriteAllBytes(Path.Combine(directory, "empty-trailer"), Pack(_ => { }));
    }

    private static byte[] Pack(Action<PackWriter> fill)
    {
        using var stream = new MemoryStream();
        using var writer = new PackWriter(stream, PlainSealer.Instance);
        fill(writer);
        writer.Finish();
        return stream.ToArray();
    }

    private static BlockId Id(byte seed) => BlockId.Hash([seed]);

    private static byte[] Bytes(byte seed, int length) => Enumerable.Range(0, length).Select(i => (byte)(seed + i)).ToArray();
}
