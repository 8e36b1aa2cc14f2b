using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Dedup.Chunking;

/// <summary>The 256 random words of the gear rolling hash, derived from the repository's secret seed so
/// that chunk boundaries (and thus chunk sizes) differ between repositories.</summary>
public static class GearTable
{
    public static ulong[] Derive(ReadOnlySpan<byte> seed)
    {
        var table = new ulong[256];
        Span<byte> input = stackalloc byte[seed.Length + 4];
        seed.CopyTo(input);
        Span<byte> digest = stackalloc byte[32];
        for (int block = 0; block < 64; block++)
        {
            BinaryPrimitives.WriteInt32BigEndian(input[seed.Length..], block);
            SHA256.HashData(input, digest);
            for (int k = 0; k < 4; k++)
                table[block * 4 + k] = BinaryPrimitives.ReadUInt64LittleEndian(digest[(k * 8)..]);
        }
        return table;
    }
}
