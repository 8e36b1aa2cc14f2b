using Dedup.Core;

namespace Dedup.Repository;

/// <summary>
/// Keeps the audit files and the catalog's audit log the same set (format 2). Records are only ever added, so the
/// union is the truth: a record only in the catalog (written before audit files existed, imported from a mirror,
/// or left by a writer killed between the two) gets its file; a file the catalog lacks (a rebuilt catalog) enters
/// it. A record that does not open is left where it is, for the audit command to report.
/// </summary>
public static class AuditSync
{
    public static int Run(LocalRepository repository)
    {
        var files = repository.AuditFiles.List().ToHashSet(StringComparer.Ordinal);
        var stored = repository.Catalog.StoredAudit();
        var known = stored.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        int copied = 0;
        foreach (var (id, record) in stored.Where(r => !files.Contains(r.Id) && Opens(repository, r.Id, r.Sealed)))
        {
            repository.AuditFiles.Write(id, record);
            copied++;
        }
        foreach (var id in files.Where(id => !known.Contains(id)).Order(StringComparer.Ordinal))
        {
            var record = repository.AuditFiles.Read(id);
            if (!Opens(repository, id, record)) continue;
            repository.Catalog.AddAudit(id, record);
            copied++;
        }
        return copied;
    }

    private static bool Opens(LocalRepository repository, string id, byte[] record)
    {
        try { repository.Catalog.OpenAudit(id, record); return true; }
        catch (CorruptDataException) { return false; }
    }
}
