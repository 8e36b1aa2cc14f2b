using Dedup.Check;
using Dedup.Core;
using Dedup.Storage;

namespace Dedup.Mirror;

/// <summary>A remote as the place that holds the packs a repository lacks (all of them after a catalog-only recover).
/// A pack is there when the remote's catalog records it (only ever after its upload was read back and hashed to its
/// name) and the listing shows it at that size. Reads are whole-object GETs; the caller verifies what comes back.</summary>
public sealed class MirroredPacks(string name, IObjectStore store, RemoteState state) : IPackCopies
{
    public string Name => name;

    public bool Holds(BlockId pack, long length) => state.IsMirrored(pack) && state.CatalogPacks[pack] == length;

    public Task<byte[]> ReadAsync(BlockId pack, CancellationToken cancellationToken) => store.GetAsync(RemoteLayout.Pack(pack), cancellationToken);

    /// <summary>True when some pack the catalog lists is not in the local store: only then is a remote worth asking.</summary>
    public static bool Needed(Repository.IMirrorRepository repository) => repository.PackLengths().Any(p => !repository.PackExists(p.Pack));

    public static async Task<MirroredPacks> LoadAsync(string name, IObjectStore store, Repository.IMirrorRepository repository, CancellationToken cancellationToken) =>
        new(name, store, await RemoteState.LoadAsync(store, repository.CatalogSealer, 4, cancellationToken));
}
