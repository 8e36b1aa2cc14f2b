using Dedup.Crypto;

namespace Dedup.Repository;

/// <summary>What the repository's secrets (or their absence) decide: how content is named, how blobs and
/// trailers are sealed, the chunker's seed, and the catalog's password.</summary>
public sealed record Protection(ContentHasher Hasher, IBlobSealer Sealer, byte[] ChunkerSeed, string? CatalogPassword)
{
    public static Protection For(RepositoryConfig config, MasterKey? master) => master is null
        ? new Protection(ContentHasher.Plain, PlainSealer.Instance, Convert.FromBase64String(config.ChunkerSeed), null)
        : new Protection(ContentHasher.Keyed(master.IdKey), new AesGcmSealer(master.DataKey), master.ChunkerSeed, master.CatalogPassword());
}
