using System.Buffers.Binary;
using System.Text;
using Dedup.Core;
using Dedup.Crypto;
using Dedup.Snapshots;

namespace Dedup.Fuzz.Targets;

/// <summary>
/// Catalog records (a pack's block list, a tree, a snapshot, an audit record) are read back from catalog.db and
/// imported from a mirror: one record, imported as <see cref="Catalog.ImportRecords"/> takes it and then read back
/// through every reader of its kind, is accepted or refused with CorruptDataException, never anything else.
/// Input: kind byte, id length byte (pack and tree ids are always 32 bytes, as a segment delivers them), id,
/// 8-byte pack length, then the record. Plaintext sealing, so the record's body is what gets fuzzed.
/// </summary>
public static class CatalogRecordTarget
{
    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2) return;
        var kind = (CatalogRecordKind)(data[0] % 6);
        int idLength = kind is CatalogRecordKind.Pack or CatalogRecordKind.Tree ? BlockId.Size : data[1] % 72;
        if (data.Length < 2 + idLength + 8) return;
        var id = data.Slice(2, idLength).ToArray();
        long packLength = BinaryPrimitives.ReadInt64LittleEndian(data.Slice(2 + idLength, 8));
        var record = new CatalogRecord(kind, id, packLength, data[(2 + idLength + 8)..].ToArray());

        using var catalog = new Catalog(new MemoryCatalogStore(), PlainSealer.Instance, compressTrees: true);
        try
        {
            catalog.ImportRecords([record], ContentHasher.Plain);
            _ = catalog.Snapshots();
            _ = catalog.Audit();
            foreach (var _ in catalog.Blocks()) { }
            foreach (var tree in catalog.TreeIds().ToList()) _ = catalog.LoadTree(tree);
        }
        catch (CorruptDataException) { }
    }

    public static void WriteSeeds(string corpus)
    {
        Directory.CreateDirectory(corpus);
        var pack = BlockId.Hash("pack"u8);
        var entries = Dedup.Packs.PackFormat.EncodeEntries(
            [new PackEntry(BlockId.Hash("a"u8), 0, 40, 64, Codec.Zstd), new PackEntry(BlockId.Hash("b"u8), 40, 12, 12, Codec.Raw)]);
        var tree = TreeCodec.Encode(new Tree([]));
        var snapshot = new Snapshot("0123abcd" + new string('0', 56), DateTimeOffset.UnixEpoch, "host", ["/data"], ["daily"], SnapshotKind.Full, null, BlockId.Hash(tree), new SnapshotTotals());
        var audit = AuditRecord.Encode(new AuditRecord { Time = DateTimeOffset.UnixEpoch, Kind = "backup", Ok = true });
        Write(corpus, "pack", CatalogRecordKind.Pack, pack.ToArray(), 4096, entries);
        Write(corpus, "tree", CatalogRecordKind.Tree, BlockId.Hash(tree).ToArray(), 0, StoredTree.Compress(tree));
        Write(corpus, "snapshot", CatalogRecordKind.Snapshot, Encoding.UTF8.GetBytes(snapshot.Id), 0, SnapshotCodec.Encode(snapshot));
        Write(corpus, "audit", CatalogRecordKind.Audit, "0000000000000000001-a"u8.ToArray(), 0, audit);
    }

    private static void Write(string corpus, string name, CatalogRecordKind kind, byte[] id, long packLength, byte[] record)
    {
        var bytes = new byte[2 + id.Length + 8 + record.Length];
        bytes[0] = (byte)kind;
        bytes[1] = (byte)id.Length;
        id.CopyTo(bytes, 2);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(2 + id.Length), packLength);
        record.CopyTo(bytes, 2 + id.Length + 8);
        File.WriteAllBytes(Path.Combine(corpus, name), bytes);
    }
}
