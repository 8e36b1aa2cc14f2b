using Dedup.Core;
using Dedup.Storage;

namespace Dedup.Repository;

public sealed record MigrationReport(int FromVersion, int ToVersion, int TreesStored, int SnapshotFiles);

/// <summary>
/// Turns a format-1 repository into format 2 in place (ADR 0005): every tree of the catalog is stored as a blob
/// (packs, durable and indexed), every snapshot record written as a file, and only then config.json says 2. A kill
/// at any point leaves a format-1 repository (with some extra packs and files a version-1 dedup ignores) that
/// running migrate again finishes.
/// </summary>
public static class Migration
{
    public static async Task<MigrationReport> RunAsync(LocalRepository repository, int workers, CancellationToken cancellationToken)
    {
        int from = repository.Config.Version;
        if (repository.Config.IsCurrent) return new MigrationReport(from, from, 0, 0);

        int trees = 0;
        await using (var assembler = new PackAssembler(repository, workers, repacking: false))
        {
            foreach (var id in repository.Catalog.TreeIds().ToList())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (assembler.Contains(id)) continue;
                var bytes = repository.Catalog.LoadTree(id) ?? throw new CorruptDataException($"tree {id.ToShortString()} is missing from the catalog");
                if (repository.Hasher.Hash(bytes) != id) throw new CorruptDataException($"tree {id.ToShortString()} is damaged (content hash mismatch)");
                await assembler.SaveCopyAsync(id, bytes, cancellationToken, BlobKind.Tree);
                trees++;
            }
            await assembler.FlushAsync();
        }

        repository.Layout.CreateDirectories(); // snapshots/ (0700) beside what exists
        // Until the config says 2 the catalog is the truth: a file left by a killed migration whose snapshot was
        // forgotten since (by an older dedup) must not bring it back.
        var known = repository.Catalog.SnapshotIds().ToHashSet(StringComparer.Ordinal);
        repository.SnapshotFiles.Delete(repository.SnapshotFiles.List().Where(id => !known.Contains(id)));
        int files = repository.WriteSnapshotFilesFromCatalog();

        var upgraded = repository.Config with { Version = RepositoryConfig.CurrentVersion };
        DurableFile.Write(repository.Layout.ConfigPath, upgraded.Serialize(), repository.Layout.TempDirectory);
        return new MigrationReport(from, upgraded.Version, trees, files);
    }
}
