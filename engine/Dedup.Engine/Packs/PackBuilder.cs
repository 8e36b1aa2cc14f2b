using System.Buffers.Binary;
using System.IO.Hashing;
using Dedup.Core;

namespace Dedup.Packs;

/// <summary>Assembles one pack in memory: header, stored blobs, trailer. Not thread safe.</summary>
public sealed class PackBuilder
{
    private byte[] _buffer;
    private int _length;
    private readonly List<PackEntry> _entries = [];

    public PackBuilder(int capacity)
    {
        _buffer = new byte[Math.Max(capacity, PackFormat.HeaderSize + 1024)];
        PackFormat.HeaderMagic.CopyTo(_buffer);
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(8), PackFormat.Version);
        _buffer[10] = PackFormat.SchemePlain;
        _length = PackFormat.HeaderSize;
    }

    public int Length => _length;
    public int Count => _entries.Count;
    public IReadOnlyList<PackEntry> Entries => _entries;

    public void Add(BlockId id, Codec codec, ReadOnlySpan<byte> stored, int rawLength)
    {
        EnsureCapacity(stored.Length);
        stored.CopyTo(_buffer.AsSpan(_length));
        _entries.Add(new PackEntry(id, _length, stored.Length, rawLength, codec));
        _length += stored.Length;
    }

    /// <summary>Appends the trailer and footer and returns the finished pack bytes (a view of the internal buffer).</summary>
    public ReadOnlyMemory<byte> Finish()
    {
        int trailerLength = _entries.Count * PackFormat.EntrySize;
        EnsureCapacity(trailerLength + PackFormat.FooterSize);
        var trailer = _buffer.AsSpan(_length, trailerLength);
        for (int i = 0; i < _entries.Count; i++)
            WriteEntry(trailer.Slice(i * PackFormat.EntrySize, PackFormat.EntrySize), _entries[i]);
        _length += trailerLength;

        var footer = _buffer.AsSpan(_length, PackFormat.FooterSize);
        BinaryPrimitives.WriteUInt32LittleEndian(footer, (uint)_entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(footer[4..], (uint)trailerLength);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[8..], XxHash64.HashToUInt64(trailer));
        PackFormat.FooterMagic.CopyTo(footer[16..]);
        _length += PackFormat.FooterSize;
        return _buffer.AsMemory(0, _length);
    }

    private static void WriteEntry(Span<byte> span, PackEntry entry)
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

    private void EnsureCapacity(int extra)
    {
        if (_length + extra <= _buffer.Length) return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
    }
}
