namespace Dedup.Chunking;

/// <summary>Cuts at every multiple of a fixed size: for page-structured files, where a changed page must
/// change only its own chunk (see <see cref="ChunkerSelector"/>).</summary>
public sealed class FixedSizeChunker(int size) : IChunker
{
    public int MaxSize => size;

    public int NextCut(ReadOnlySpan<byte> data) => Math.Min(size, data.Length);
}
