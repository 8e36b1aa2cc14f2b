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

    /// <summary>SQLite pages are grouped so a block is at least this large: smaller blocks cost more in the index than they save.</summary>
    public const int MinimumPageBlock = 16 * 1024;

    public IChunker ContentDefined => contentDefined;

    public IChunker Select(ReadOnlySpan<byte> header)
    {
        int pageSize = SqlitePageSize(header);
        if (pageSize == 0) return contentDefined;
        int pagesPerBlock = Math.Max(1, MinimumPageBlock / pageSize);
        return new FixedSizeChunker(pageSize * pagesPerBlock);
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
