using Dedup.Core;

namespace Dedup.Mirror;

/// <summary>Where each part of a repository lives in a bucket, under the remote's prefix (docs/mirror.md, "Layout").
/// Packs keep the local names and bytes; the catalog travels as sealed, content-addressed segments.</summary>
public static class RemoteLayout
{
    public const string Config = "config.json";
    public const string KeysPrefix = "keys/";
    public const string PacksPrefix = "packs/";
    public const string CatalogPrefix = "catalog/";
    /// <summary>The audit log's segments: apart from catalog/, so a mirror prune (which rewrites catalog/) never
    /// drops history, and a dedup that predates them never reads a record kind it does not know.</summary>
    public const string AuditPrefix = "audit/";

    public static string Key(string keyFileName) => KeysPrefix + keyFileName;

    public static string Pack(BlockId id)
    {
        string hex = id.ToString();
        return $"{PacksPrefix}{hex[..2]}/{hex}";
    }

    public static bool TryParsePack(string key, out BlockId id)
    {
        id = default;
        return key.StartsWith(PacksPrefix, StringComparison.Ordinal) && BlockId.TryParse(key[(key.LastIndexOf('/') + 1)..], out id)
            && key == Pack(id);
    }

    public static string Segment(BlockId id) => CatalogPrefix + id;

    public static bool TryParseSegment(string key, out BlockId id) => TryParseSegment(key, CatalogPrefix, out id);

    public static string AuditSegment(BlockId id) => AuditPrefix + id;

    public static bool TryParseAuditSegment(string key, out BlockId id) => TryParseSegment(key, AuditPrefix, out id);

    private static bool TryParseSegment(string key, string prefix, out BlockId id)
    {
        id = default;
        return key.StartsWith(prefix, StringComparison.Ordinal) && BlockId.TryParse(key[prefix.Length..], out id);
    }
}
