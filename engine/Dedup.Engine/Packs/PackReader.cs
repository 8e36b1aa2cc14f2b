using System.Buffers.Binary;
using System.IO.Hashing;
using Dedup.Core;
using Dedup.Crypto;

namespace Dedup.Packs;

/// <summary>Parses pack headers and trailers. Every malformed input raises <see cref="CorruptDataException"/>.</summary>
public static class PackReader
{
    public static void ParseHeader(ReadOnlySpan<byte> header, IBlobSealer sealer)
    {
        if (header.Length < PackFormat.HeaderSize || !header.StartsWith(PackFormat.HeaderMagic))
            throw new CorruptDataException("pack header magic missing");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        if (version != PackFormat.Version) throw new CorruptDataException($"unknown pack version {version}");
        if (header[10] != sealer.Scheme) throw new CorruptDataException($"pack protection scheme {header[10]} is not this repository's ({sealer.Scheme})");
        if (header[11..PackFormat.HeaderSize].IndexOfAnyExcept((byte)0) >= 0) throw new CorruptDataException("pack header reserved bytes are not zero");
    }

    /// <summary>Trailer length (entries + footer) announced by a footer: how many bytes to read from the end of the pack.</summary>
    public static int TailLength(ReadOnlySpan<byte> footer, long packLength, int sealOverhead)
    {
        if (footer.Length != PackFormat.FooterSize || !footer[16..].SequenceEqual(PackFormat.FooterMagic))
            throw new CorruptDataException("pack footer magic missing");
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(footer);
        uint trailerLength = BinaryPrimitives.ReadUInt32LittleEndian(footer[4..]);
        if ((ulong)count * PackFormat.EntrySize + (ulong)sealOverhead != trailerLength
            || trailerLength + (long)PackFormat.FooterSize + PackFormat.HeaderSize > packLength)
            throw new CorruptDataException("pack trailer length is inconsistent");
        return (int)trailerLength + PackFormat.FooterSize;
    }

    /// <summary>Parses the tail of a pack (sealed trailer + footer, as sized by <see cref="TailLength"/>) of a pack of
    /// <paramref name="packLength"/> bytes whose header is <paramref name="header"/>.</summary>
    public static List<PackEntry> ParseTail(ReadOnlySpan<byte> tail, long packLength, ReadOnlySpan<byte> header, IBlobSealer sealer)
    {
        if (tail.Length < PackFormat.FooterSize) throw new CorruptDataException("pack is too short for a footer");
        var footer = tail[^PackFormat.FooterSize..];
        int tailLength = TailLength(footer, packLength, sealer.Overhead);
        if (tail.Length != tailLength) throw new CorruptDataException("pack trailer length is inconsistent");
        var sealedTrailer = tail[..^PackFormat.FooterSize];
        if (BinaryPrimitives.ReadUInt64LittleEndian(footer[8..]) != XxHash64.HashToUInt64(sealedTrailer))
            throw new CorruptDataException("pack trailer checksum mismatch");
        var opened = new byte[sealedTrailer.Length];
        int trailerLength;
        try { trailerLength = sealer.Open(header[..PackFormat.HeaderSize], sealedTrailer, opened); }
        catch (CorruptDataException e) { throw new CorruptDataException($"pack trailer {e.Message}", e); }
        ReadOnlySpan<byte> trailer = opened.AsSpan(0, trailerLength);

        long blobsEnd = packLength - tailLength;
        long expectedOffset = PackFormat.HeaderSize;
        int count = trailer.Length / PackFormat.EntrySize;
        var entries = new List<PackEntry>(count);
        for (int i = 0; i < count; i++)
        {
            var span = trailer.Slice(i * PackFormat.EntrySize, PackFormat.EntrySize);
            var entry = PackFormat.ReadEntry(span);
            // The members of a group share its blob: every one after the first names the same range.
            bool sameGroup = entry.Codec == Codec.Grouped && i > 0 && entries[^1] is { Codec: Codec.Grouped } previous
                && previous.Offset == entry.Offset && previous.StoredLength == entry.StoredLength;
            // Blobs are contiguous and in trailer order: anything else is damage, not a layout we wrote.
            if (!sameGroup && (entry.Offset != expectedOffset || entry.StoredLength > blobsEnd - entry.Offset))
                throw new CorruptDataException($"pack entry {i} points outside the blob area");
            if (entry.RawLength > PackFormat.MaxBlockSize || entry.Codec > Codec.Grouped || span[49] != 0)
                throw new CorruptDataException($"pack entry {i} is malformed");
            if (entry.StoredLength < sealer.Overhead || (entry.Codec == Codec.Raw && entry.RawLength != entry.StoredLength - sealer.Overhead))
                throw new CorruptDataException($"pack entry {i} has inconsistent lengths");
            if (!sameGroup) expectedOffset += entry.StoredLength;
            entries.Add(entry);
        }
        if (expectedOffset != blobsEnd) throw new CorruptDataException("pack blob area has bytes no entry accounts for");
        return entries;
    }

    /// <summary>Parses a whole pack held in memory.</summary>
    public static List<PackEntry> Parse(ReadOnlySpan<byte> pack, IBlobSealer sealer)
    {
        ParseHeader(pack, sealer);
        if (pack.Length < PackFormat.HeaderSize + PackFormat.FooterSize) throw new CorruptDataException("pack is truncated");
        int tailLength = TailLength(pack[^PackFormat.FooterSize..], pack.Length, sealer.Overhead);
        return ParseTail(pack[^tailLength..], pack.Length, pack, sealer);
    }

    /// <summary>Reads the header and trailer of a pack file without reading its blobs.</summary>
    public static List<PackEntry> ReadEntries(string path, IBlobSealer sealer)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        long length = RandomAccess.GetLength(handle);
        if (length < PackFormat.HeaderSize + PackFormat.FooterSize) throw new CorruptDataException("pack is truncated");
        Span<byte> header = stackalloc byte[PackFormat.HeaderSize];
        ReadExactly(handle, header, 0);
        ParseHeader(header, sealer);
        Span<byte> footer = stackalloc byte[PackFormat.FooterSize];
        ReadExactly(handle, footer, length - PackFormat.FooterSize);
        int tailLength = TailLength(footer, length, sealer.Overhead);
        var tail = new byte[tailLength];
        ReadExactly(handle, tail, length - tailLength);
        return ParseTail(tail, length, header, sealer);
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>; a file that ends first is
    /// <paramref name="what"/> truncated (<see cref="CorruptDataException"/>).</summary>
    internal static void ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> buffer, long offset, string what = "pack")
    {
        while (buffer.Length > 0)
        {
            int n = RandomAccess.Read(handle, buffer, offset);
            if (n == 0) throw new CorruptDataException($"{what} is truncated");
            buffer = buffer[n..];
            offset += n;
        }
    }
}
