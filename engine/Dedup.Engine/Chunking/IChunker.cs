namespace Dedup.Chunking;

/// <summary>Decides where the next chunk ends.</summary>
public interface IChunker
{
    /// <summary>The longest chunk this chunker returns: callers hand it at least this many bytes unless the input ends sooner.</summary>
    int MaxSize { get; }

    /// <summary>Length of the chunk that starts at <paramref name="data"/>[0]; in 1..data.Length for non-empty data.</summary>
    int NextCut(ReadOnlySpan<byte> data);
}
