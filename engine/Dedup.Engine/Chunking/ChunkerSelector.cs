using System.Buffers.Binary;

namespace Dedup.Chunking;

/// <summary>
/// Picks the chunker for one file from its first bytes. A SQLite database rewrites whole pages in place,
/// scattered over the file, so content-defined chunks of hundreds of KiB almost all change after a day of
/// small updates; cutting at page boundaries keeps the unchanged pages as the same blocks.
/// </summary>
public sealed class ChunkerSelector(IChunker contentDefined)
{
    public const int HeaderBytes = 100;
    private static ReadOnlySpan<byte> SqliteMagic => "SQLite format 3\0"u8;

    /// <summary>A database's blocks are whole pages and at least this large (the smallest page is 512 bytes).</summary>
    public const int MinimumPageBlock = 4 * 1024;

    /// <summary>Blocks are pages while a database has at most this many of them, and twice, four times... as many pages
    /// past it: a file's list of block ids (32 bytes each, stored again in every snapshot where the file changed) stays
    /// within 8 MiB, and so does the block count a backup looks up for an unchanged file.</summary>
    public const long MaxBlocksPerDatabase = 1 << 18;

    /// <summary>Where the header does not say how large the database is (it predates SQLite 3.7.0, or a writer that
    /// does not keep the count valid): the block size of repositories written before page-sized blocks.</summary>
    public const int UnsizedPageBlock = 16 * 1024;

    public IChunker ContentDefined => contentDefined;

    /// <summary>
    /// Page-sized blocks (ADR 0001, revised): a day of scattered updates rewrites single pages, and each 4 KiB page
    /// stored as its own block keeps its unchanged neighbours out of the day's growth (data set b's contacts database
    /// after a day: 171 MB of changed 4 KiB pages against 414 MB of changed 16 KiB blocks). Since blocks are
    /// compressed in groups (ADR 0011), small blocks no longer compress worse.
    /// </summary>
    public IChunker Select(ReadOnlySpan<byte> header)
    {
        int pageSize = SqlitePageSize(header);
        if (pageSize == 0) return contentDefined;
        long pages = SqlitePageCount(header);
        int blockSize = Math.Max(pageSize, pages == 0 ? UnsizedPageBlock : MinimumPageBlock);
        while (pages / (blockSize / pageSize) > MaxBlocksPerDatabase && blockSize * 2 <= contentDefined.MaxSize) blockSize *= 2;
        return new FixedSizeChunker(blockSize);
    }

    /// <summary>The database's size in pages from its header, or 0 when the header does not vouch for it (the count
    /// is valid only when the version-valid-for number equals the change counter).</summary>
    public static long SqlitePageCount(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderBytes) return 0;
        uint changeCounter = BinaryPrimitives.ReadUInt32BigEndian(header[24..]);
        uint validFor = BinaryPrimitives.ReadUInt32BigEndian(header[92..]);
        return changeCounter == validFor ? BinaryPrimitives.ReadUInt32BigEndian(header[28..]) : 0;
    }

    /// <summary>The page size from a SQLite header, or 0 when <paramref name="header"/> is not one.</summary>
    public static int SqlitePageSize(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderBytes || !header.StartsWith(SqliteMagic)) return 0;
        int raw = BinaryPrimitives.ReadUInt16BigEndian(header[16..]);
        int size = raw == 1 ? 65536 : raw;
        return size >= 512 && (size & (size - 1)) == 0 ? size : 0;
    }
}
