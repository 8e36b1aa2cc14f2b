using System.Text;
using Dedup.Core;

namespace Dedup.Snapshots;

public enum CatalogRecordKind : byte
{
    /// <summary>A pack's block list (the index); <see cref="CatalogRecord.PackLength"/> is the pack's size.</summary>
    Pack = 1,
    Tree = 2,
    Snapshot = 3,
    /// <summary>One audit log record; its id is the audit id (UTF-8), which sorts by time.</summary>
    Audit = 4,
}

/// <summary>One catalog record as stored: still sealed with the data key and bound to its id. The mirror moves
/// records between catalogs in this form, so exporting never decrypts and importing authenticates each one.</summary>
public sealed record CatalogRecord(CatalogRecordKind Kind, byte[] Id, long PackLength, byte[] Sealed)
{
    /// <summary>Identity across catalogs: kind and id (a record's sealed bytes differ per sealing).</summary>
    public string Key => $"{(int)Kind}:{Convert.ToHexStringLower(Id)}";

    public static string KeyOf(string snapshotId) => $"{(int)CatalogRecordKind.Snapshot}:{Convert.ToHexStringLower(Encoding.UTF8.GetBytes(snapshotId))}";

    public static string KeyOf(BlockId tree) => $"{(int)CatalogRecordKind.Tree}:{Convert.ToHexStringLower(tree.ToArray())}";
}
