using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using Dedup.Core;

namespace Dedup.Packs;

/// <summary>
/// Writes one pack to a stream as blocks arrive: header, blobs, then trailer and footer on <see cref="Finish"/>.
/// Streaming (rather than assembling the pack in memory) keeps a backup's memory independent of the pack size;
/// the pack's id (SHA-256 of its bytes) is computed on the way. Not thread safe.
/// </summary>
public sealed class PackWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<PackEntry> _entries = [];
    private long _length;

    public PackWriter(Stream stream)
    {
        _stream = stream;
        Span<byte> header = stackalloc byte[PackFormat.HeaderSize];
        header.Clear();
        PackFormat.HeaderMagic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], PackFormat.Version);
        header[10] = PackFormat.SchemePlain;
        Write(header);
    }

    public long Length => _length;
    public int Count => _entries.Count;
    public IReadOnlyList<PackEntry> Entries => _entries;

    public void Add(BlockId id, Codec codec, ReadOnlySpan<byte> stored, int rawLength)
    {
        _entries.Add(new PackEntry(id, _length, stored.Length, rawLength, codec));
        Write(stored);
    }

    /// <summary>Writes the trailer and footer and returns the pack's id. The caller makes the stream durable.</summary>
    public BlockId Finish()
    {
        var trailer = PackFormat.EncodeEntries(_entries);
        Write(trailer);

        Span<byte> footer = stackalloc byte[PackFormat.FooterSize];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, (uint)_entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(footer[4..], (uint)trailer.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[8..], XxHash64.HashToUInt64(trailer));
        PackFormat.FooterMagic.CopyTo(footer[16..]);
        Write(footer);
        return BlockId.Read(_hash.GetHashAndReset());
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        _hash.AppendData(bytes);
        _length += bytes.Length;
    }

    public void Dispose() => _hash.Dispose();
}
