namespace Dedup.Chunking;

/// <summary>
/// Splits a stream into chunks with one reusable buffer. Each chunk returned by <see cref="Next"/> is a view
/// into that buffer, valid only until the next call: callers copy what they keep.
/// </summary>
public sealed class StreamChunker
{
    private readonly Stream _source;
    private readonly ChunkerSelector _selector;
    private IChunker? _chunker;
    private readonly byte[] _buffer;
    private int _start, _end;
    private bool _eof;

    /// <param name="selector">Chooses the chunker from the stream's first bytes.</param>
    /// <param name="buffer">At least twice the content-defined chunker's maximum size.</param>
    public StreamChunker(Stream source, ChunkerSelector selector, byte[] buffer)
    {
        if (buffer.Length < selector.ContentDefined.MaxSize * 2) throw new ArgumentException("the buffer must hold two maximal chunks", nameof(buffer));
        (_source, _selector, _buffer) = (source, selector, buffer);
    }

    /// <summary>The chunker chosen for this stream (after the first call to <see cref="Next"/>).</summary>
    public IChunker? Chunker => _chunker;

    public long BytesRead { get; private set; }

    /// <summary>The next chunk, or an empty span at the end of the stream.</summary>
    public ReadOnlySpan<byte> Next()
    {
        if (_chunker is null)
        {
            Fill();
            _chunker = _selector.Select(_buffer.AsSpan(0, _end));
        }
        else if (_end - _start < _chunker.MaxSize && !_eof) Fill();
        int available = _end - _start;
        if (available == 0) return default;
        int cut = _chunker.NextCut(_buffer.AsSpan(_start, available));
        var chunk = _buffer.AsSpan(_start, cut);
        _start += cut;
        return chunk;
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        while (_end < _buffer.Length)
        {
            int n = _source.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0) { _eof = true; break; }
            _end += n;
            BytesRead += n;
        }
    }
}
