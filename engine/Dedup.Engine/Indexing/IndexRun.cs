using System.Buffers;
using System.Collections.Concurrent;
using System.Buffers.Binary;
using System.IO.Hashing;
using Dedup.Core;
using Dedup.Crypto;
using Dedup.Packs;
using Microsoft.Win32.SafeHandles;

namespace Dedup.Indexing;

/// <summary>
/// One immutable run of the block index, open for lookups. In memory: the fence (first id word of each page), the
/// filter and the pack table; a lookup the filter lets through reads and opens one page. Thread safe (positioned
/// reads). Opening checks the header and the pack table; a damaged page raises <see cref="CorruptDataException"/>
/// when it is read.
/// </summary>
internal sealed class IndexRun : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly IBlobSealer _sealer;
    private readonly byte[] _runId;
    private readonly ulong[] _fence;
    private readonly BloomFilter _bloom;
    private readonly BlockId[] _packs;
    // Opened pages, kept up to a bound: a backup of unchanged files or a restore looks up blocks in random order, so
    // every page is met once per 64 blocks it holds; opening it once instead saves a read and a decryption each time.
    private readonly ConcurrentDictionary<int, byte[]> _pages = new();
    private int _pagesCached;

    private IndexRun(string name, SafeFileHandle file, IBlobSealer sealer, byte[] runId, long count, ulong[] fence, BloomFilter bloom, BlockId[] packs)
        => (Name, _file, _sealer, _runId, Count, _fence, _bloom, _packs) = (name, file, sealer, runId, count, fence, bloom, packs);

    /// <summary>Opened pages kept per run (3.4 KB each: ~28 MB, all the pages of half a million blocks).</summary>
    public const int CachedPages = 8192;

    public string Name { get; }
    public long Count { get; }
    public IReadOnlyList<BlockId> Packs => _packs;

    /// <summary>Resident bytes this run keeps (fence, filter, pack table), for the benchmark and the ADR's claim.</summary>
    public long MemoryBytes => _fence.Length * 8L + _bloom.ByteLength + _packs.Length * (long)BlockId.Size;

    public static IndexRun Open(string path, IBlobSealer sealer)
    {
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        try { return Read(Path.GetFileNameWithoutExtension(path), file, sealer); }
        catch { file.Dispose(); throw; }
    }

    private static IndexRun Read(string name, SafeFileHandle file, IBlobSealer sealer)
    {
        long length = RandomAccess.GetLength(file);
        Span<byte> header = stackalloc byte[RunFormat.HeaderSize];
        if (length < RunFormat.SlotSize) throw new CorruptDataException($"index run {name} has no valid header");
        PackReader.ReadExactly(file, header, 0, $"index run {name}");
        if (!header[..8].SequenceEqual(RunFormat.Magic)) throw new CorruptDataException($"index run {name} has no valid header");
        long count = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        int pages = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
        int perPage = BinaryPrimitives.ReadUInt16LittleEndian(header[20..]);
        int packCount = BinaryPrimitives.ReadInt32LittleEndian(header[24..]);
        int bloomBytes = BinaryPrimitives.ReadInt32LittleEndian(header[28..]);
        byte[] runId = header.Slice(32, RunFormat.RunIdSize).ToArray();
        long packTableOffset = BinaryPrimitives.ReadInt64LittleEndian(header[48..]);
        long fenceOffset = BinaryPrimitives.ReadInt64LittleEndian(header[56..]);
        long sealedTable = (long)packCount * BlockId.Size + sealer.Overhead;
        bool consistent = perPage == RunFormat.EntriesPerPage && header[22] == BloomFilter.Probes && count >= 0 && pages >= 0 && packCount >= 0
            && bloomBytes > 0 && pages == (count + perPage - 1) / perPage
            && packTableOffset == RunFormat.SlotSize * (1L + pages) && fenceOffset == packTableOffset + sealedTable
            && length == fenceOffset + pages * 8L + bloomBytes;
        if (!consistent) throw new CorruptDataException($"index run {name} is damaged (header does not match its size)");

        var table = new byte[sealedTable];
        PackReader.ReadExactly(file, table, packTableOffset, $"index run {name}");
        var plain = new byte[Math.Max(1, table.Length)];
        Span<byte> aad = stackalloc byte[RunFormat.AssociatedDataSize];
        RunFormat.AssociatedData(aad, runId, RunFormat.PackTablePage);
        int plainLength = sealer.Open(aad, table, plain);
        var packs = new BlockId[packCount];
        for (int i = 0; i < packCount; i++) packs[i] = BlockId.Read(plain.AsSpan(i * BlockId.Size, BlockId.Size));
        if (plainLength != packCount * BlockId.Size) throw new CorruptDataException($"index run {name} has a damaged pack table");

        var tail = new byte[pages * 8L + bloomBytes];
        PackReader.ReadExactly(file, tail, fenceOffset, $"index run {name}");
        var checksum = new XxHash64();
        checksum.Append(header[..64]);
        checksum.Append(tail);
        if (checksum.GetCurrentHashAsUInt64() != BinaryPrimitives.ReadUInt64LittleEndian(header[64..]))
            throw new CorruptDataException($"index run {name} is damaged (checksum)");
        var fence = new ulong[pages];
        for (int i = 0; i < pages; i++) fence[i] = BinaryPrimitives.ReadUInt64LittleEndian(tail.AsSpan(i * 8));
        var bloom = BloomFilter.FromBytes(tail.AsSpan(pages * 8));
        return new IndexRun(name, file, sealer, runId, count, fence, bloom, packs);
    }

    public bool TryFind(BlockId id, out BlockLocation location)
    {
        location = default;
        if (!_bloom.MayContain(id)) return false;
        ulong word = id.Word(0);
        // The last page starting at or below the id; ids sharing a first word may spill back over page starts.
        for (int page = UpperBound(word) - 1; page >= 0; page--)
        {
            var entries = Page(page);
            if (Search(entries, id) is { } at)
            {
                location = RunFormat.ReadLocation(entries.AsSpan(at, RunFormat.EntrySize), _packs);
                return true;
            }
            if (_fence[page] < word) break;
        }
        return false;
    }

    /// <summary>The entries of a page, opened and checked once, then cached (bounded: the cache starts over when full).</summary>
    private byte[] Page(int page)
    {
        if (_pages.TryGetValue(page, out var cached)) return cached;
        var buffer = ArrayPool<byte>.Shared.Rent(RunFormat.SlotSize);
        try
        {
            var entries = buffer.AsSpan(0, ReadPage(page, buffer) * RunFormat.EntrySize).ToArray();
            if (Interlocked.Increment(ref _pagesCached) > CachedPages)
            {
                _pages.Clear();
                Interlocked.Exchange(ref _pagesCached, 1);
            }
            _pages[page] = entries;
            return entries;
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    /// <summary>Every entry in id order, a page at a time.</summary>
    public IEnumerable<KeyValuePair<BlockId, BlockLocation>> Entries()
    {
        var buffer = new byte[RunFormat.SlotSize];
        for (int page = 0; page < _fence.Length; page++)
        {
            int entries = ReadPage(page, buffer);
            for (int i = 0; i < entries; i++)
            {
                var entry = buffer.AsSpan(i * RunFormat.EntrySize, RunFormat.EntrySize);
                yield return new(RunFormat.ReadId(entry), RunFormat.ReadLocation(entry, _packs));
            }
        }
    }

    private int UpperBound(ulong word)
    {
        int lo = 0, hi = _fence.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_fence[mid] <= word) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>Reads, opens and checks page <paramref name="page"/> into <paramref name="destination"/> (entries
    /// first); returns how many entries it holds.</summary>
    private int ReadPage(int page, byte[] destination)
    {
        Span<byte> slot = stackalloc byte[RunFormat.SlotSize];
        PackReader.ReadExactly(_file, slot, RunFormat.SlotSize * (1L + page), $"index run {Name}");
        int sealedLength = BinaryPrimitives.ReadUInt16LittleEndian(slot);
        if (sealedLength < _sealer.Overhead + RunFormat.ChecksumSize || sealedLength > RunFormat.SlotSize - 2)
            throw new CorruptDataException($"index run {Name}: page {page} is damaged");
        Span<byte> aad = stackalloc byte[RunFormat.AssociatedDataSize];
        RunFormat.AssociatedData(aad, _runId, (uint)page);
        int plain = _sealer.Open(aad, slot.Slice(2, sealedLength), destination);
        int body = plain - RunFormat.ChecksumSize;
        if (body <= 0 || body % RunFormat.EntrySize != 0 || body > RunFormat.EntriesPerPage * RunFormat.EntrySize
            || XxHash64.HashToUInt64(destination.AsSpan(0, body)) != BinaryPrimitives.ReadUInt64LittleEndian(destination.AsSpan(body)))
            throw new CorruptDataException($"index run {Name}: page {page} is damaged");
        return body / RunFormat.EntrySize;
    }

    /// <summary>Binary search over sorted entries; the entry's byte offset, or null.</summary>
    private static int? Search(byte[] entries, BlockId id) => Search(entries.AsSpan(), id);

    private static int? Search(ReadOnlySpan<byte> entries, BlockId id)
    {
        int lo = 0, hi = entries.Length / RunFormat.EntrySize - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int order = RunFormat.ReadId(entries.Slice(mid * RunFormat.EntrySize)).CompareTo(id);
            if (order == 0) return mid * RunFormat.EntrySize;
            if (order < 0) lo = mid + 1; else hi = mid - 1;
        }
        return null;
    }

    public void Dispose() => _file.Dispose();
}
