using System.Buffers.Binary;
using Dedup.Core;

namespace Dedup.Indexing;

/// <summary>The bytes of an index run (docs/format.md, "Block index"): constants and the entry codec.</summary>
internal static class RunFormat
{
    /// <summary>Runs of the first layout (53-byte entries, 64 a page) fail this check and are rebuilt: a cache.</summary>
    public static ReadOnlySpan<byte> Magic => "DDXRUN02"u8;
    /// <summary>82 entries of 49 bytes, their checksum, the seal's 28 bytes and the length fill 4,056 of a page's
    /// 4,096 bytes (the first layout used 3,430).</summary>
    public const int HeaderSize = 72, SlotSize = 4096, EntriesPerPage = 82, EntrySize = 49, ChecksumSize = 8, RunIdSize = 16;
    public const uint PackTablePage = 0xFFFFFFFF;

    /// <summary>Entry bytes plus checksum of one full page: what is sealed into a slot.</summary>
    public const int PagePlainMax = EntriesPerPage * EntrySize + ChecksumSize;

    /// <summary>An offset takes 4 bytes: a pack closes at its configured size (an int) plus at most one block.</summary>
    public static void WriteEntry(Span<byte> destination, BlockId id, int packPosition, BlockLocation location)
    {
        if ((ulong)location.Offset > uint.MaxValue)
            throw new CorruptDataException($"pack {location.Pack.ToShortString()} lists a block at offset {location.Offset}, beyond what a pack holds");
        id.WriteTo(destination);
        BinaryPrimitives.WriteInt32LittleEndian(destination[32..], packPosition);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[36..], (uint)location.Offset);
        BinaryPrimitives.WriteInt32LittleEndian(destination[40..], location.StoredLength);
        BinaryPrimitives.WriteInt32LittleEndian(destination[44..], location.RawLength);
        destination[48] = (byte)location.Codec;
    }

    public static BlockId ReadId(ReadOnlySpan<byte> entry) => BlockId.Read(entry);

    public static BlockLocation ReadLocation(ReadOnlySpan<byte> entry, IReadOnlyList<BlockId> packs)
    {
        int position = BinaryPrimitives.ReadInt32LittleEndian(entry[32..]);
        if ((uint)position >= (uint)packs.Count) throw new CorruptDataException("index run entry names a pack it does not list");
        return new BlockLocation(packs[position], BinaryPrimitives.ReadUInt32LittleEndian(entry[36..]),
            BinaryPrimitives.ReadInt32LittleEndian(entry[40..]), BinaryPrimitives.ReadInt32LittleEndian(entry[44..]), (Codec)entry[48]);
    }

    /// <summary>The associated data a page (or, with <see cref="PackTablePage"/>, the pack table) is sealed with.</summary>
    public static void AssociatedData(Span<byte> destination, ReadOnlySpan<byte> runId, uint page)
    {
        runId.CopyTo(destination);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[RunIdSize..], page);
    }

    public const int AssociatedDataSize = RunIdSize + 4;
}
