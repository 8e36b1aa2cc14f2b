using System.Buffers.Binary;
using Dedup.Core;

namespace Dedup.Indexing;

/// <summary>The bytes of an index run (docs/format.md, "Block index"): constants and the entry codec.</summary>
internal static class RunFormat
{
    public static ReadOnlySpan<byte> Magic => "DDXRUN01"u8;
    public const int HeaderSize = 72, SlotSize = 4096, EntriesPerPage = 64, EntrySize = 53, ChecksumSize = 8, RunIdSize = 16;
    public const uint PackTablePage = 0xFFFFFFFF;

    /// <summary>Entry bytes plus checksum of one full page: what is sealed into a slot.</summary>
    public const int PagePlainMax = EntriesPerPage * EntrySize + ChecksumSize;

    public static void WriteEntry(Span<byte> destination, BlockId id, int packPosition, BlockLocation location)
    {
        id.WriteTo(destination);
        BinaryPrimitives.WriteInt32LittleEndian(destination[32..], packPosition);
        BinaryPrimitives.WriteInt64LittleEndian(destination[36..], location.Offset);
        BinaryPrimitives.WriteInt32LittleEndian(destination[44..], location.StoredLength);
        BinaryPrimitives.WriteInt32LittleEndian(destination[48..], location.RawLength);
        destination[52] = (byte)location.Codec;
    }

    public static BlockId ReadId(ReadOnlySpan<byte> entry) => BlockId.Read(entry);

    public static BlockLocation ReadLocation(ReadOnlySpan<byte> entry, IReadOnlyList<BlockId> packs)
    {
        int position = BinaryPrimitives.ReadInt32LittleEndian(entry[32..]);
        if ((uint)position >= (uint)packs.Count) throw new CorruptDataException("index run entry names a pack it does not list");
        return new BlockLocation(packs[position], BinaryPrimitives.ReadInt64LittleEndian(entry[36..]),
            BinaryPrimitives.ReadInt32LittleEndian(entry[44..]), BinaryPrimitives.ReadInt32LittleEndian(entry[48..]), (Codec)entry[52]);
    }

    /// <summary>The associated data a page (or, with <see cref="PackTablePage"/>, the pack table) is sealed with.</summary>
    public static void AssociatedData(Span<byte> destination, ReadOnlySpan<byte> runId, uint page)
    {
        runId.CopyTo(destination);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[RunIdSize..], page);
    }

    public const int AssociatedDataSize = RunIdSize + 4;
}
