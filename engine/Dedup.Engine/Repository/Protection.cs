using Dedup.Crypto;

namespace Dedup.Repository;

/// <summary>What the repository's secrets (or their absence) decide: how content is named, how blobs, trailers
/// and catalog records are sealed, how the mirror's catalog segments are sealed, and the chunker's seed.</summary>
public sealed record Protection(ContentHasher Hasher, IBlobSealer Sealer, IBlobSealer CatalogSealer, byte[] ChunkerSeed)
{
    public static Protection For(RepositoryConfig config, MasterKey? master) => master is null
        ? new Protection(ContentHasher.Plain, PlainSealer.Instance, PlainSealer.Instance, Convert.FromBase64String(config.ChunkerSeed))
        : new Protection(ContentHasher.Keyed(master.IdKey), new AesGcmSealer(master.DataKey), new AesGcmSealer(master.CatalogKey), master.ChunkerSeed);
}
