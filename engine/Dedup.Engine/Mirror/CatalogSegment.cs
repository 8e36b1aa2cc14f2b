using System.Buffers.Binary;
using Dedup.Core;
using Dedup.Crypto;
using Dedup.Snapshots;

namespace Dedup.Mirror;

/// <summary>
/// A batch of catalog records as one object in the bucket. Layout: magic "DDCATSEG" (8) ‖ version (1) ‖ scheme (1) ‖
/// body sealed with the catalog key (the first 10 bytes as associated data). Body: count (u32) then per record
/// kind (1) ‖ id length (1) ‖ id ‖ pack length (i64) ‖ record length (u32) ‖ record (still sealed with the data key).
/// Segments under catalog/ hold packs, trees and snapshots; those under audit/ hold audit records (kind 4).
/// The object is named by its SHA-256, so a download is verified by its name before it is opened.
/// Sealing the whole batch hides how many records of which size a push added.
/// </summary>
public static class CatalogSegment
{
    private static readonly byte[] Magic = "DDCATSEG"u8.ToArray();
    private const byte Version = 1;
    private const int HeaderSize = 10;

    public static (BlockId Name, byte[] Bytes) Encode(IReadOnlyCollection<CatalogRecord> records, IBlobSealer sealer)
    {
        int bodyLength = 4 + records.Sum(r => 1 + 1 + r.Id.Length + 8 + 4 + r.Sealed.Length);
        var body = new byte[bodyLength];
        var span = body.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)records.Count);
        int at = 4;
        foreach (var r in records)
        {
            if (r.Id.Length > byte.MaxValue) throw new ArgumentException("record id too long");
            body[at++] = (byte)r.Kind;
            body[at++] = (byte)r.Id.Length;
            r.Id.CopyTo(body, at);
            at += r.Id.Length;
            BinaryPrimitives.WriteInt64LittleEndian(span[at..], r.PackLength);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 8)..], (uint)r.Sealed.Length);
            at += 12;
            r.Sealed.CopyTo(body, at);
            at += r.Sealed.Length;
        }
        var bytes = new byte[HeaderSize + body.Length + sealer.Overhead];
        Magic.CopyTo(bytes, 0);
        bytes[8] = Version;
        bytes[9] = sealer.Scheme;
        int sealedLength = sealer.Seal(bytes.AsSpan(0, HeaderSize), body, bytes.AsSpan(HeaderSize));
        return (BlockId.Hash(bytes.AsSpan(0, HeaderSize + sealedLength)), bytes);
    }

    /// <summary>Verifies the name, opens and parses a segment; any damage raises <see cref="CorruptDataException"/>.</summary>
    public static List<CatalogRecord> Decode(BlockId name, ReadOnlySpan<byte> bytes, IBlobSealer sealer)
    {
        if (BlockId.Hash(bytes) != name) throw new CorruptDataException($"catalog segment {name.ToShortString()} does not hash to its name");
        if (bytes.Length < HeaderSize || !bytes.StartsWith(Magic) || bytes[8] != Version)
            throw new CorruptDataException($"catalog segment {name.ToShortString()} has an unknown header");
        if (bytes[9] != sealer.Scheme) throw new CorruptDataException($"catalog segment {name.ToShortString()} is sealed with another scheme");
        var body = new byte[bytes.Length - HeaderSize];
        int length;
        try { length = sealer.Open(bytes[..HeaderSize], bytes[HeaderSize..], body); }
        catch (CorruptDataException e) { throw new CorruptDataException($"catalog segment {name.ToShortString()}: {e.Message}", e); }
        return Parse(body.AsSpan(0, length), name);
    }

    private static List<CatalogRecord> Parse(ReadOnlySpan<byte> body, BlockId name)
    {
        var damaged = new CorruptDataException($"catalog segment {name.ToShortString()} is malformed");
        if (body.Length < 4) throw damaged;
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(body);
        var records = new List<CatalogRecord>((int)Math.Min(count, 1 << 16));
        int at = 4;
        for (uint i = 0; i < count; i++)
        {
            if (body.Length - at < 2) throw damaged;
            var kind = (CatalogRecordKind)body[at];
            int idLength = body[at + 1];
            at += 2;
            if (kind is not (CatalogRecordKind.Pack or CatalogRecordKind.Tree or CatalogRecordKind.Snapshot or CatalogRecordKind.Audit) || body.Length - at < idLength + 12)
                throw damaged;
            var id = body.Slice(at, idLength).ToArray();
            at += idLength;
            long packLength = BinaryPrimitives.ReadInt64LittleEndian(body[at..]);
            uint recordLength = BinaryPrimitives.ReadUInt32LittleEndian(body[(at + 8)..]);
            at += 12;
            if (recordLength > body.Length - at) throw damaged;
            if (kind is CatalogRecordKind.Pack or CatalogRecordKind.Tree && idLength != BlockId.Size) throw damaged;
            records.Add(new CatalogRecord(kind, id, packLength, body.Slice(at, (int)recordLength).ToArray()));
            at += (int)recordLength;
        }
        if (at != body.Length) throw damaged;
        return records;
    }
}
