using Dedup.Core;

namespace Dedup.Indexing;

/// <summary>
/// "Is this block perhaps in the run?" in 10 bits per block: never a false "no", about 1 % false "yes". The
/// probes come from the id's own words (it is a hash already): i = ⌊(h1 + k·h2 mod 2^64) · bits / 2^64⌋.
/// </summary>
internal sealed class BloomFilter
{
    public const int BitsPerEntry = 10, Probes = 7;

    private readonly ulong[] _words;
    private readonly ulong _bits;

    private BloomFilter(ulong[] words) => (_words, _bits) = (words, (ulong)words.Length * 64);

    public static BloomFilter ForEntries(long entries) => new(new ulong[Math.Max(1, (entries * BitsPerEntry + 63) / 64)]);

    public static BloomFilter FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0 || bytes.Length % 8 != 0) throw new CorruptDataException("index run filter has a bad size");
        var words = new ulong[bytes.Length / 8];
        for (int i = 0; i < words.Length; i++) words[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes.Slice(i * 8, 8));
        return new BloomFilter(words);
    }

    public int ByteLength => _words.Length * 8;

    public void Add(BlockId id)
    {
        ulong h1 = id.Word(1), h2 = id.Word(2) | 1;
        for (ulong k = 0; k < Probes; k++)
        {
            ulong bit = Reduce(h1 + k * h2);
            _words[bit >> 6] |= 1UL << (int)(bit & 63);
        }
    }

    public bool MayContain(BlockId id)
    {
        ulong h1 = id.Word(1), h2 = id.Word(2) | 1;
        for (ulong k = 0; k < Probes; k++)
        {
            ulong bit = Reduce(h1 + k * h2);
            if ((_words[bit >> 6] & (1UL << (int)(bit & 63))) == 0) return false;
        }
        return true;
    }

    /// <summary>Maps a uniform 64-bit value onto [0, bits) by multiplying, not dividing (Lemire's reduction).</summary>
    private ulong Reduce(ulong value) => (ulong)(((UInt128)value * _bits) >> 64);

    public void WriteTo(Stream stream)
    {
        Span<byte> word = stackalloc byte[8];
        foreach (var w in _words)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(word, w);
            stream.Write(word);
        }
    }
}
