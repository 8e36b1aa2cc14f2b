using System.Buffers.Binary;
using System.IO.Hashing;
using Dedup.Core;

namespace Dedup.Packs;

/// <summary>Parses pack headers and trailers. Every malformed input raises <see cref="CorruptDataException"/>.</summary>
public static class PackReader
{
    public static void ParseHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length < PackFormat.HeaderSize || !header.StartsWith(PackFormat.HeaderMagic))
            throw new CorruptDataException("pack header magic missing");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        if (version != PackFormat.Version) throw new CorruptDataException($"unknown pack version {version}");
        if (header[10] != PackFormat.SchemePlain) throw new CorruptDataException($"unknown pack scheme {header[10]}");
    }

    /// <summary>Trailer length (entries + footer) announced by a footer: how many bytes to read from the end of the pack.</summary>
    public static int TailLength(ReadOnlySpan<byte> footer, long packLength)
    {
        if (footer.Length != PackFormat.FooterSize || !footer[16..].SequenceEqual(PackFormat.FooterMagic))
            throw new CorruptDataException("pack footer magic missing");
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(footer);
        uint trailerLength = BinaryPrimitives.ReadUInt32LittleEndian(footer[4..]);
        if ((ulong)count * PackFormat.EntrySize != trailerLength
            || trailerLength + (long)PackFormat.FooterSize + PackFormat.HeaderSize > packLength)
            throw new CorruptDataException("pack trailer length is inconsistent");
        return (int)trailerLength + PackFormat.FooterSize;
    }

    /// <summary>Parses the tail of a pack (entries + footer, as sized by <see cref="TailLength"/>) of a pack of <paramref name="packLength"/> bytes.</summary>
    public static List<PackEntry> ParseTail(ReadOnlySpan<byte> tail, long packLength)
    {
        if (tail.Length < PackFormat.FooterSize) throw new CorruptDataException("pack is too short for a footer");
        var footer = tail[^PackFormat.FooterSize..];
        int tailLength = TailLength(footer, packLength);
        if (tail.Length != tailLength) throw new CorruptDataException("pack trailer length is inconsistent");
        var trailer = tail[..^PackFormat.FooterSize];
        if (BinaryPrimitives.ReadUInt64LittleEndian(footer[8..]) != XxHash64.HashToUInt64(trailer))
            throw new CorruptDataException("pack trailer checksum mismatch");

        long blobsEnd = packLength - tailLength;
        long expectedOffset = PackFormat.HeaderSize;
        int count = trailer.Length / PackFormat.EntrySize;
        var entries = new List<PackEntry>(count);
        for (int i = 0; i < count; i++)
        {
            var span = trailer.Slice(i * PackFormat.EntrySize, PackFormat.EntrySize);
            var entry = PackFormat.ReadEntry(span);
            // Blobs are contiguous and in trailer order: anything else is damage, not a layout we wrote.
            if (entry.Offset != expectedOffset || entry.StoredLength > blobsEnd - entry.Offset)
                throw new CorruptDataException($"pack entry {i} points outside the blob area");
            if (entry.RawLength > PackFormat.MaxBlockSize || entry.Codec > Codec.Zstd || span[49] != 0)
                throw new CorruptDataException($"pack entry {i} is malformed");
            if (entry.Codec == Codec.Raw && entry.RawLength != entry.StoredLength)
                throw new CorruptDataException($"pack entry {i} is raw but its lengths differ");
            expectedOffset += entry.StoredLength;
            entries.Add(entry);
        }
        if (expectedOffset != blobsEnd) throw new CorruptDataException("pack blob area has bytes no entry accounts for");
        return entries;
    }

    /// <summary>Parses a whole pack held in memory.</summary>
    public static List<PackEntry> Parse(ReadOnlySpan<byte> pack)
    {
        ParseHeader(pack);
        if (pack.Length < PackFormat.HeaderSize + PackFormat.FooterSize) throw new CorruptDataException("pack is truncated");
        int tailLength = TailLength(pack[^PackFormat.FooterSize..], pack.Length);
        return ParseTail(pack[^tailLength..], pack.Length);
    }

    /// <summary>Reads the header and trailer of a pack file without reading its blobs.</summary>
    public static List<PackEntry> ReadEntries(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        long length = RandomAccess.GetLength(handle);
        if (length < PackFormat.HeaderSize + PackFormat.FooterSize) throw new CorruptDataException("pack is truncated");
        Span<byte> header = stackalloc byte[PackFormat.HeaderSize];
        ReadExactly(handle, header, 0);
        ParseHeader(header);
        Span<byte> footer = stackalloc byte[PackFormat.FooterSize];
        ReadExactly(handle, footer, length - PackFormat.FooterSize);
        int tailLength = TailLength(footer, length);
        var tail = new byte[tailLength];
        ReadExactly(handle, tail, length - tailLength);
        return ParseTail(tail, length);
    }

    internal static void ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (buffer.Length > 0)
        {
            int n = RandomAccess.Read(handle, buffer, offset);
            if (n == 0) throw new CorruptDataException("pack is truncated");
            buffer = buffer[n..];
            offset += n;
        }
    }
}
