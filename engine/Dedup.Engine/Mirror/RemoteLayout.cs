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

    public static bool TryParseSegment(string key, out BlockId id)
    {
        id = default;
        return key.StartsWith(CatalogPrefix, StringComparison.Ordinal) && BlockId.TryParse(key[CatalogPrefix.Length..], out id);
    }
}
