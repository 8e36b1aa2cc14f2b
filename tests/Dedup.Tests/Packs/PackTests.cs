using Dedup.Core;
using Dedup.Packs;
using Dedup.Crypto;

namespace Dedup.Tests.Packs;

public class PackTests
{
    private static (byte[] Pack, List<(BlockId Id, byte[] Raw)> Blocks) BuildPack(int count)
    {
        using var stream = new MemoryStream();
        using var writer = new PackWriter(stream, PlainSealer.Instance);
        var blocks = new List<(BlockId, byte[])>();
        var rng = new Random(1);
        for (int i = 0; i < count; i++)
        {
            var raw = new byte[rng.Next(1, 5000)];
            if (i % 2 == 0) rng.NextBytes(raw); else Array.Fill(raw, (byte)i);
            var encoded = new byte[raw.Length];
            var (codec, length) = BlockCodec.Encode(raw, encoded);
            var id = BlockId.Hash(raw);
            writer.Add(id, codec, encoded.AsSpan(0, length), raw.Length);
            blocks.Add((id, raw));
        }
        var packId = writer.Finish();
        var pack = stream.ToArray();
        Assert.Equal(BlockId.Hash(pack), packId);
        return (pack, blocks);
    }

    private static byte[] Decode(byte[] pack, PackEntry entry)
    {
        var raw = new byte[entry.RawLength];
        BlockCodec.Decode(entry.Codec, pack.AsSpan((int)entry.Offset, entry.StoredLength), raw);
        if (BlockId.Hash(raw) != entry.Block) throw new CorruptDataException("hash mismatch");
        return raw;
    }

    [Fact]
    public void A_pack_parses_back_to_its_blocks()
    {
        var (pack, blocks) = BuildPack(20);
        var entries = PackReader.Parse(pack, PlainSealer.Instance);
        Assert.Equal(blocks.Select(b => b.Id), entries.Select(e => e.Block));
        foreach (var (entry, (id, raw)) in entries.Zip(blocks))
        {
            var decoded = Decode(pack, entry);
            Assert.Equal(raw, decoded);
        }
        Assert.Contains(entries, e => e.Codec == Codec.Zstd);
        Assert.Contains(entries, e => e.Codec == Codec.Raw);
    }

    [Fact]
    public void Every_flipped_byte_of_header_or_trailer_is_detected()
    {
        var (pack, _) = BuildPack(5);
        int blobsEnd = pack.Length - 5 * PackFormat.EntrySize - PackFormat.FooterSize;
        var positions = Enumerable.Range(0, 11).Concat(Enumerable.Range(blobsEnd, pack.Length - blobsEnd));
        foreach (int position in positions)
        {
            var damaged = (byte[])pack.Clone();
            damaged[position] ^= 0x40;
            Assert.Throws<CorruptDataException>(() => PackReader.Parse(damaged, PlainSealer.Instance));
        }
    }

    [Fact]
    public void A_flipped_blob_byte_fails_the_block_hash()
    {
        var (pack, blocks) = BuildPack(3);
        var entry = PackReader.Parse(pack, PlainSealer.Instance)[1];
        pack[entry.Offset + entry.StoredLength / 2] ^= 1;
        Assert.Throws<CorruptDataException>(() =>
            Decode(pack, entry));
    }

    [Fact]
    public void Truncated_packs_are_corrupt()
    {
        var (pack, _) = BuildPack(4);
        foreach (int length in new[] { 0, 10, PackFormat.HeaderSize, pack.Length / 2, pack.Length - 1 })
            Assert.Throws<CorruptDataException>(() => PackReader.Parse(pack.AsSpan(0, length), PlainSealer.Instance));
    }

    [Fact]
    public void Incompressible_blocks_are_stored_raw()
    {
        var raw = new byte[10_000];
        new Random(3).NextBytes(raw);
        var (codec, length) = BlockCodec.Encode(raw, new byte[raw.Length]);
        Assert.Equal(Codec.Raw, codec);
        Assert.Equal(raw.Length, length);
    }
}
