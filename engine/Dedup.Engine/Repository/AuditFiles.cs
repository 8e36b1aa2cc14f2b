namespace Dedup.Repository;

/// <summary>The audit log, one file per record under <c>audit/</c> (named <c>TICKS-GUID</c>, so names sort by time):
/// what readers beside a writer read, and what a rebuilt catalog gets its log back from.</summary>
public sealed class AuditFiles(RepositoryLayout layout) : RecordFiles(layout.AuditDirectory, layout.TempDirectory, "an audit record id")
{
    protected override bool IsId(string name) =>
        name.Length == 52 && name[19] == '-' && name[..19].All(char.IsAsciiDigit) && name[20..].All(char.IsAsciiHexDigitLower);
}
