using System.Buffers.Binary;
using Dedup.Core;

namespace Dedup.Packs;

/// <summary>
/// Several small blocks of one file stored as one blob (ADR 0011): a member table, then the members' bytes
/// compressed as one zstd frame. 16 KiB database pages compressed one by one lose most of what zstd finds across
/// pages; together they compress like the large blocks of other files, and still dedup one by one.
/// </summary>
public static class BlockGroup
{
    /// <summary>Only new blocks shorter than this are grouped: larger ones compress well alone.</summary>
    public const int MemberBelow = 64 * 1024;

    /// <summary>A group holds at most this much plaintext. zstd uses stronger parameters for sources up to 256 KiB,
    /// and a reader of one member decodes the whole group.</summary>
    public const int MaxPayload = 256 * 1024;

    /// <summary>The level without a <see cref="CompressionLearner"/> to learn one.</summary>
    public const int Level = BlockCodec.Level;
    public const int HeaderSize = 8, MemberSize = BlockId.Size + 4;
    public const int MaxMembers = ushort.MaxValue;

    /// <summary>The associated data a group is sealed with: no block id, so no member's blob can pass for a lone block.</summary>
    public static ReadOnlySpan<byte> AssociatedData => "DDUPGRP1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"u8;

    public static int MaxEncodedLength(int members, int payload) => HeaderSize + members * MemberSize + payload;

    /// <summary>Writes the group's plaintext (table and payload, compressed when that pays) into
    /// <paramref name="destination"/>, which must hold <see cref="MaxEncodedLength"/>; returns its length. The payload
    /// is compressed at the level <paramref name="compression"/> has learned, or probes it.</summary>
    public static int Encode(IReadOnlyList<(BlockId Id, int Length)> members, ReadOnlySpan<byte> payload, Span<byte> destination,
        CompressionLearner? compression = null)
    {
        if (members.Count is < 2 or > MaxMembers) throw new ArgumentException("a group has 2 to 65,535 members", nameof(members));
        int tableEnd = HeaderSize + members.Count * MemberSize;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)members.Count);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], payload.Length);
        long sum = 0;
        for (int i = 0; i < members.Count; i++)
        {
            var entry = destination.Slice(HeaderSize + i * MemberSize, MemberSize);
            members[i].Id.WriteTo(entry);
            BinaryPrimitives.WriteInt32LittleEndian(entry[BlockId.Size..], members[i].Length);
            sum += members[i].Length;
        }
        if (sum != payload.Length) throw new ArgumentException("the members' lengths do not add up to the payload", nameof(payload));
        var (codec, length) = compression is null ? BlockCodec.Encode(payload, destination[tableEnd..], Level)
            : compression.Encode(payload, destination[tableEnd..]);
        destination[0] = (byte)codec;
        return tableEnd + length;
    }

    /// <summary>Parses and decodes a group's plaintext into <paramref name="spare"/> when it is large enough (a group
    /// the caller is done with: a restore decodes thousands, each too large for the small-object heap). Throws
    /// <see cref="CorruptDataException"/> on anything malformed.</summary>
    public static Decoded Decode(ReadOnlySpan<byte> plaintext, byte[]? spare = null)
    {
        if (plaintext.Length < HeaderSize || plaintext[1] != 0 || plaintext[0] > (byte)Codec.Zstd)
            throw new CorruptDataException("group header is malformed");
        int count = BinaryPrimitives.ReadUInt16LittleEndian(plaintext[2..]);
        int payloadLength = BinaryPrimitives.ReadInt32LittleEndian(plaintext[4..]);
        int tableEnd = HeaderSize + count * MemberSize;
        if (count < 2 || payloadLength < 0 || payloadLength > PackFormat.MaxBlockSize || plaintext.Length < tableEnd)
            throw new CorruptDataException("group header is malformed");
        var ids = new BlockId[count];
        var starts = new int[count + 1];
        for (int i = 0; i < count; i++)
        {
            var entry = plaintext.Slice(HeaderSize + i * MemberSize, MemberSize);
            ids[i] = BlockId.Read(entry);
            int length = BinaryPrimitives.ReadInt32LittleEndian(entry[BlockId.Size..]);
            if (length < 0 || length > payloadLength - starts[i]) throw new CorruptDataException("group member lengths exceed its payload");
            starts[i + 1] = starts[i] + length;
        }
        if (starts[count] != payloadLength) throw new CorruptDataException("group member lengths do not add up to its payload");
        var payload = spare is not null && spare.Length >= payloadLength ? spare : GC.AllocateUninitializedArray<byte>(Math.Max(payloadLength, MaxPayload));
        BlockCodec.Decode((Codec)plaintext[0], plaintext[tableEnd..], payload.AsSpan(0, payloadLength));
        return new Decoded(ids, starts, payload);
    }

    /// <summary>A decoded group: members in order and their bytes (at the start of <see cref="Buffer"/>).</summary>
    public sealed class Decoded(BlockId[] ids, int[] starts, byte[] payload)
    {
        public int Count => ids.Length;
        public int PayloadLength => starts[^1];

        /// <summary>Where the payload was decoded, to be handed to the next <see cref="Decode"/> once this group is dropped.</summary>
        public byte[] Buffer => payload;

        /// <summary>The bytes of member <paramref name="id"/>; false when the group does not hold it.</summary>
        public bool TryGet(BlockId id, out ReadOnlySpan<byte> bytes)
        {
            int i = Array.IndexOf(ids, id);
            bytes = i < 0 ? default : payload.AsSpan(starts[i], starts[i + 1] - starts[i]);
            return i >= 0;
        }

        public IEnumerable<BlockId> Members => ids;
    }
}
