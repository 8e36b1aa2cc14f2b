using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using Dedup.Core;
using Dedup.Crypto;
using Dedup.Storage;

namespace Dedup.Indexing;

/// <summary>Writes one run from entries sorted by id, streaming: a page of entries, the fence and the filter are
/// all it holds. The file appears whole (temp, fsync, rename) or not at all.</summary>
internal static class IndexRunWriter
{
    /// <summary>Returns the new run's name. <paramref name="sorted"/> must be in ascending id order; a repeated id
    /// keeps its first location. <paramref name="capacity"/> bounds the count (it sizes the filter).</summary>
    public static string Write(string directory, string tempDirectory, IBlobSealer sealer,
        IEnumerable<KeyValuePair<BlockId, BlockLocation>> sorted, long capacity)
    {
        string name = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        Directory.CreateDirectory(tempDirectory);
        string temp = Path.Combine(tempDirectory, $"{name}.run.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                WriteRun(file, sealer, sorted, capacity);
                file.Flush(flushToDisk: true);
            }
            DurableFile.Publish(temp, Path.Combine(directory, name + ".run"));
            return name;
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    private static void WriteRun(FileStream file, IBlobSealer sealer, IEnumerable<KeyValuePair<BlockId, BlockLocation>> sorted, long capacity)
    {
        var runId = RandomNumberGenerator.GetBytes(RunFormat.RunIdSize);
        var bloom = BloomFilter.ForEntries(Math.Max(1, capacity));
        var fence = new List<ulong>();
        var packs = new Dictionary<BlockId, int>();
        var packList = new List<BlockId>();
        var page = new byte[RunFormat.PagePlainMax];
        var slot = new byte[RunFormat.SlotSize];
        int inPage = 0;
        long count = 0;
        BlockId? previous = null;

        file.Write(new byte[RunFormat.SlotSize]); // the header, written last
        foreach (var (id, location) in sorted)
        {
            if (previous is { } p)
            {
                int order = p.CompareTo(id);
                if (order == 0) continue;
                if (order > 0) throw new InvalidOperationException("index run entries must be sorted by id");
            }
            previous = id;
            if (!packs.TryGetValue(location.Pack, out int position))
            {
                packs[location.Pack] = position = packList.Count;
                packList.Add(location.Pack);
            }
            if (inPage == 0) fence.Add(id.Word(0));
            RunFormat.WriteEntry(page.AsSpan(inPage * RunFormat.EntrySize, RunFormat.EntrySize), id, position, location);
            bloom.Add(id);
            count++;
            if (++inPage == RunFormat.EntriesPerPage) { WritePage(file, sealer, runId, fence.Count - 1, page, inPage, slot); inPage = 0; }
        }
        if (count > capacity) throw new InvalidOperationException("more index entries than the run was sized for");
        if (inPage > 0) WritePage(file, sealer, runId, fence.Count - 1, page, inPage, slot);

        long packTableOffset = file.Position;
        var table = new byte[packList.Count * BlockId.Size];
        for (int i = 0; i < packList.Count; i++) packList[i].WriteTo(table.AsSpan(i * BlockId.Size));
        var sealedTable = new byte[table.Length + sealer.Overhead];
        Span<byte> aad = stackalloc byte[RunFormat.AssociatedDataSize];
        RunFormat.AssociatedData(aad, runId, RunFormat.PackTablePage);
        file.Write(sealedTable.AsSpan(0, sealer.Seal(aad, table, sealedTable)));

        long fenceOffset = file.Position;
        var tail = new MemoryStream(fence.Count * 8 + bloom.ByteLength);
        Span<byte> word = stackalloc byte[8];
        foreach (var f in fence) { BinaryPrimitives.WriteUInt64LittleEndian(word, f); tail.Write(word); }
        bloom.WriteTo(tail);
        file.Write(tail.GetBuffer().AsSpan(0, (int)tail.Length));

        Span<byte> header = stackalloc byte[RunFormat.HeaderSize];
        header.Clear();
        RunFormat.Magic.CopyTo(header);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], count);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], fence.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], RunFormat.EntriesPerPage);
        header[22] = BloomFilter.Probes;
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], packList.Count);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], bloom.ByteLength);
        runId.CopyTo(header[32..]);
        BinaryPrimitives.WriteInt64LittleEndian(header[48..], packTableOffset);
        BinaryPrimitives.WriteInt64LittleEndian(header[56..], fenceOffset);
        // Fence and filter are not sealed (ids are keyed hashes; pages are), but a flipped bit in them would hide a
        // block: the checksum makes damage a dropped run instead.
        var checksum = new XxHash64();
        checksum.Append(header[..64]);
        checksum.Append(tail.GetBuffer().AsSpan(0, (int)tail.Length));
        BinaryPrimitives.WriteUInt64LittleEndian(header[64..], checksum.GetCurrentHashAsUInt64());
        file.Position = 0;
        file.Write(header);
    }

    private static void WritePage(FileStream file, IBlobSealer sealer, byte[] runId, int pageNumber, byte[] page, int entries, byte[] slot)
    {
        int plain = entries * RunFormat.EntrySize;
        BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(plain), XxHash64.HashToUInt64(page.AsSpan(0, plain)));
        Span<byte> aad = stackalloc byte[RunFormat.AssociatedDataSize];
        RunFormat.AssociatedData(aad, runId, (uint)pageNumber);
        Array.Clear(slot);
        int sealedLength = sealer.Seal(aad, page.AsSpan(0, plain + RunFormat.ChecksumSize), slot.AsSpan(2));
        BinaryPrimitives.WriteUInt16LittleEndian(slot, (ushort)sealedLength);
        file.Write(slot);
    }
}
