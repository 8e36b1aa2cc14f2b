using Dedup.Check;

namespace Dedup.Cli;

/// <summary>What damage affects, as check and repair print it on stderr: the snapshots, then "snapshot path" per file.</summary>
public static class AffectedOutput
{
    public static void Write(CheckReport report, string? where = null)
    {
        if (report.AffectedFiles.Count == 0) return;
        Console.Error.WriteLine($"affected snapshots{(where is null ? "" : $" on {where}")}: {string.Join(' ', report.AffectedSnapshots)}");
        Console.Error.WriteLine("affected files (snapshot path):");
        foreach (var file in report.AffectedFiles) Console.Error.WriteLine($"  {file}");
    }
}
