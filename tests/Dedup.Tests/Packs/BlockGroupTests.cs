using System.Buffers.Binary;
using Dedup.Core;
using Dedup.Crypto;
using Dedup.Packs;
using FsCheck;
using FsCheck.Fluent;

namespace Dedup.Tests.Packs;

/// <summary>ADR 0011: a group of small blocks, its encoding and its place in a pack.</summary>
public class BlockGroupTests
{
    private static byte[] Member(Random rng, int length, bool compressible)
    {
        var bytes = new byte[length];
        if (compressible) for (int i = 0; i < length; i++) bytes[i] = (byte)"contact,email,status\n"[(i + rng.Next(3)) % 21];
        else rng.NextBytes(bytes);
        return bytes;
    }

    private static (byte[] Encoded, List<byte[]> Members) Encode(List<byte[]> members)
    {
        var payload = members.SelectMany(m => m).ToArray();
        var table = members.Select(m => (BlockId.Hash(m), m.Length)).ToList();
        var encoded = new byte[BlockGroup.MaxEncodedLength(table.Count, payload.Length)];
        int length = BlockGroup.Encode(table, payload, encoded);
        return (encoded[..length], members);
    }

    [Fact]
    public void Any_members_decode_back_to_themselves()
    {
        var cases = from count in Gen.Choose(2, 40)
                    from seed in Gen.Choose(0, int.MaxValue)
                    from compressible in Gen.Elements(true, false)
                    select (count, seed, compressible);
        Prop.ForAll(Arb.From(cases), c =>
        {
            var rng = new Random(c.seed);
            var members = Enumerable.Range(0, c.count).Select(_ => Member(rng, rng.Next(0, 6000), c.compressible)).ToList();
            var (encoded, _) = Encode(members);
            var group = BlockGroup.Decode(encoded);
            Assert.Equal(members.Count, group.Count);
            foreach (var member in members)
            {
                Assert.True(group.TryGet(BlockId.Hash(member), out var bytes));
                Assert.Equal(member, bytes.ToArray());
            }
            Assert.False(group.TryGet(BlockId.Hash([1, 2, 3, 4, 5]), out _));
            if (c.compressible && members.Sum(m => m.Length) > 4096) Assert.Equal((byte)Codec.Zstd, encoded[0]);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_database_s_pages_take_less_room_in_a_group_than_one_by_one()
    {
        var rng = new Random(4);
        var members = Enumerable.Range(0, 16).Select(_ => Member(rng, 16384, compressible: true)).ToList();
        var (encoded, _) = Encode(members);
        long alone = members.Sum(m =>
        {
            var destination = new byte[m.Length];
            return (long)BlockCodec.Encode(m, destination).Length;
        });
        Assert.True(encoded.Length < alone, $"group {encoded.Length} bytes, alone {alone}");
    }

    [Fact]
    public void Every_truncation_and_a_wrong_table_are_corrupt_never_another_error()
    {
        var rng = new Random(5);
        var (encoded, _) = Encode([Member(rng, 3000, true), Member(rng, 2000, false), Member(rng, 10, true)]);
        for (int length = 0; length < encoded.Length; length++)
            Assert.Throws<CorruptDataException>(() => BlockGroup.Decode(encoded.AsSpan(0, length)));
        var lying = (byte[])encoded.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(lying.AsSpan(BlockGroup.HeaderSize + BlockId.Size), 3001); // first member one byte longer
        Assert.Throws<CorruptDataException>(() => BlockGroup.Decode(lying));
        var single = (byte[])encoded.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(single.AsSpan(2), 1);
        Assert.Throws<CorruptDataException>(() => BlockGroup.Decode(single));
    }

    private static byte[] PackWithGroup(out List<PackEntry> written)
    {
        var rng = new Random(6);
        using var stream = new MemoryStream();
        using var writer = new PackWriter(stream, PlainSealer.Instance);
        var lone = Member(rng, 5000, true);
        var encoded = new byte[lone.Length];
        var (codec, length) = BlockCodec.Encode(lone, encoded);
        writer.Add(BlockId.Hash(lone), codec, encoded.AsSpan(0, length), lone.Length);
        var members = Enumerable.Range(0, 3).Select(_ => Member(rng, 4000, true)).ToList();
        var (group, _) = Encode(members);
        writer.AddGroup(members.Select(m => (BlockId.Hash(m), m.Length)).ToList(), group);
        writer.Add(BlockId.Hash(lone.Reverse().ToArray()), codec, encoded.AsSpan(0, length), lone.Length); // (its blob: any bytes)
        writer.Finish();
        written = writer.Entries.ToList();
        return stream.ToArray();
    }

    [Fact]
    public void A_pack_lists_each_member_at_its_group_s_bytes()
    {
        var pack = PackWithGroup(out var written);
        var entries = PackReader.Parse(pack, PlainSealer.Instance);
        Assert.Equal(written, entries);
        var members = entries.Where(e => e.Codec == Codec.Grouped).ToList();
        Assert.Equal(3, members.Count);
        Assert.Single(members.Select(e => (e.Offset, e.StoredLength)).Distinct());
        Assert.Equal(members[0].Offset + members[0].StoredLength, entries[^1].Offset);
    }

    [Fact]
    public void A_member_entry_that_leaves_its_group_s_bytes_is_corrupt()
    {
        var pack = PackWithGroup(out var written);
        int trailer = pack.Length - PackFormat.FooterSize - written.Count * PackFormat.EntrySize;
        // The third entry (second member) claims the next offset: it would name bytes no blob starts at.
        var moved = (byte[])pack.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(moved.AsSpan(trailer + 2 * PackFormat.EntrySize + 32), (ulong)(written[2].Offset + 1));
        Reseal(moved, trailer);
        Assert.Throws<CorruptDataException>(() => PackReader.Parse(moved, PlainSealer.Instance));
        // A lone block cannot share its bytes with the entry before it.
        var shared = (byte[])pack.Clone();
        shared[trailer + 3 * PackFormat.EntrySize + 48] = (byte)Codec.Zstd;
        BinaryPrimitives.WriteUInt64LittleEndian(shared.AsSpan(trailer + 3 * PackFormat.EntrySize + 32), (ulong)written[2].Offset);
        Reseal(shared, trailer);
        Assert.Throws<CorruptDataException>(() => PackReader.Parse(shared, PlainSealer.Instance));
    }

    /// <summary>Fixes the footer's checksum after a trailer edit, so only the entry's meaning is wrong.</summary>
    private static void Reseal(byte[] pack, int trailer)
    {
        ulong checksum = System.IO.Hashing.XxHash64.HashToUInt64(pack.AsSpan(trailer, pack.Length - PackFormat.FooterSize - trailer));
        BinaryPrimitives.WriteUInt64LittleEndian(pack.AsSpan(pack.Length - PackFormat.FooterSize + 8), checksum);
    }
}
