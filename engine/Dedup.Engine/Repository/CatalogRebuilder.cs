using Dedup.Core;

namespace Dedup.Repository;

public sealed record CatalogRebuildReport(int Packs, long Blocks, int Snapshots, IReadOnlyList<string> Problems);

/// <summary>
/// Fills an empty catalog (<see cref="LocalRepository.OpenWithNewCatalog"/>) from the files of a format-2 repository:
/// each pack's trailer gives its blocks, each snapshot file its root, and the trees come from their blobs,
/// walked down from the roots (docs/format.md, "Snapshot files and rebuilding the catalog"). A pack whose trailer
/// fails is reported and kept (check names what it held); nothing is deleted.
/// </summary>
public static class CatalogRebuilder
{
    public static CatalogRebuildReport Run(LocalRepository repository, IProgress<int>? packsDone = null, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        int packs = 0;
        long blocks = 0;
        foreach (var pack in repository.Packs.List())
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var entries = repository.Packs.ReadEntries(pack, repository.Protection.Sealer);
                repository.IndexPack(pack, repository.Packs.Length(pack), entries);
                packs++;
                blocks += entries.Count;
            }
            catch (Exception e) when (e is CorruptDataException or IOException)
            {
                problems.Add($"pack {pack.ToShortString()} was left out: {e.Message}");
            }
            packsDone?.Report(packs);
        }
        var sync = SnapshotSync.Run(repository);
        AuditSync.Run(repository);
        problems.AddRange(sync.Problems);
        return new CatalogRebuildReport(packs, blocks, sync.Added, problems);
    }
}
