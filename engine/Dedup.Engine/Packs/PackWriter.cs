using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using Dedup.Core;
using Dedup.Crypto;

namespace Dedup.Packs;

/// <summary>
/// Writes one pack to a stream as blocks arrive: header, blobs, then trailer and footer on <see cref="Finish"/>.
/// Streaming (rather than assembling the pack in memory) keeps a backup's memory independent of the pack size;
/// the pack's id (SHA-256 of its bytes) is computed on the way. Not thread safe.
/// </summary>
public sealed class PackWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly IBlobSealer _sealer;
    private readonly byte[] _header = new byte[PackFormat.HeaderSize];
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<PackEntry> _entries = [];
    private long _length;

    /// <param name="sealer">Seals the trailer (blobs arrive sealed); its scheme goes into the header.</param>
    public PackWriter(Stream stream, IBlobSealer sealer)
    {
        (_stream, _sealer) = (stream, sealer);
        PackFormat.HeaderMagic.CopyTo(_header);
        BinaryPrimitives.WriteUInt16LittleEndian(_header.AsSpan(8), PackFormat.Version);
        _header[10] = sealer.Scheme;
        Write(_header);
    }

    public long Length => _length;
    public IReadOnlyList<PackEntry> Entries => _entries;

    public void Add(BlockId id, Codec codec, ReadOnlySpan<byte> stored, int rawLength)
    {
        _entries.Add(new PackEntry(id, _length, stored.Length, rawLength, codec));
        Write(stored);
    }

    /// <summary>Adds a group's blob (ADR 0011): one entry per member, all naming the same bytes.</summary>
    public void AddGroup(IReadOnlyList<(BlockId Id, int Length)> members, ReadOnlySpan<byte> stored)
    {
        foreach (var (id, length) in members) _entries.Add(new PackEntry(id, _length, stored.Length, length, Codec.Grouped));
        Write(stored);
    }

    /// <summary>Writes the trailer and footer and returns the pack's id. The caller makes the stream durable.</summary>
    public BlockId Finish()
    {
        var entries = PackFormat.EncodeEntries(_entries);
        var trailer = new byte[entries.Length + _sealer.Overhead];
        _sealer.Seal(_header, entries, trailer); // bound to the header: a trailer cannot move to another pack format
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
