using System.Buffers.Binary;
using Dedup.Core;

namespace Dedup.Packs;

/// <summary>Constants of the pack file format; docs/format.md draws it byte by byte.</summary>
public static class PackFormat
{
    public const int HeaderSize = 16;
    public const int EntrySize = 52;
    public const int FooterSize = 24;
    public const ushort Version = 1;

    /// <summary>The header's scheme byte: 0 none, 1 AES-256-GCM (see <see cref="Crypto.IBlobSealer"/>).</summary>
    public const byte SchemePlain = 0;

    /// <summary>No block is larger than this; a trailer claiming more is corrupt.</summary>
    public const int MaxBlockSize = 64 * 1024 * 1024;

    public static ReadOnlySpan<byte> HeaderMagic => "DDUPPACK"u8;
    public static ReadOnlySpan<byte> FooterMagic => "DDUPTAIL"u8;

    /// <summary>Writes one 52-byte trailer entry (also the catalog's per-pack block list).</summary>
    public static void WriteEntry(Span<byte> span, PackEntry entry)
    {
        entry.Block.WriteTo(span);
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], (ulong)entry.Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(span[40..], (uint)entry.StoredLength);
        BinaryPrimitives.WriteUInt32LittleEndian(span[44..], (uint)entry.RawLength);
        span[48] = (byte)entry.Codec;
        span[49] = 0; // blob type: 0 = data block; trees live in the catalog
        span[50] = 0;
        span[51] = 0;
    }

    /// <summary>Reads one entry without validating it against a pack (see <see cref="PackReader"/> for that).</summary>
    public static PackEntry ReadEntry(ReadOnlySpan<byte> span) => new(
        BlockId.Read(span),
        (long)BinaryPrimitives.ReadUInt64LittleEndian(span[32..]),
        (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(span[40..]), int.MaxValue),
        (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(span[44..]), int.MaxValue),
        (Codec)span[48]);

    public static byte[] EncodeEntries(IReadOnlyList<PackEntry> entries)
    {
        var bytes = new byte[entries.Count * EntrySize];
        for (int i = 0; i < entries.Count; i++) WriteEntry(bytes.AsSpan(i * EntrySize, EntrySize), entries[i]);
        return bytes;
    }
}
