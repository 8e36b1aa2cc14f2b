using Dedup.Native;

namespace Dedup.Tests.Support;

/// <summary>Compares two directory trees: types, bytes, permission bits, mtimes (ns) and symlink targets.</summary>
public static class TreeAssert
{
    public static void Equal(string expected, string actual)
    {
        var problems = new List<string>();
        Compare(expected, actual, "", problems, isRoot: true);
        if (problems.Count > 0) throw new Xunit.Sdk.XunitException("trees differ:\n" + string.Join('\n', problems.Take(20)));
    }

    private static void Compare(string expected, string actual, string rel, List<string> problems, bool isRoot = false)
    {
        FileStatus e = Posix.LStat(expected), a;
        try { a = Posix.LStat(actual); }
        catch (IOException) { problems.Add($"{rel}: missing"); return; }
        if (e.Type != a.Type) { problems.Add($"{rel}: type {e.Type:x} vs {a.Type:x}"); return; }
        if (e.Permissions != a.Permissions) problems.Add($"{rel}: mode {Convert.ToString(e.Permissions, 8)} vs {Convert.ToString(a.Permissions, 8)}");
        if (e.MtimeNs != a.MtimeNs && !isRoot) problems.Add($"{rel}: mtime {e.MtimeNs} vs {a.MtimeNs}");
        switch (e.Type)
        {
            case FileStatus.Regular:
                if (!File.ReadAllBytes(expected).AsSpan().SequenceEqual(File.ReadAllBytes(actual))) problems.Add($"{rel}: content differs");
                break;
            case FileStatus.Symlink:
                if (new FileInfo(expected).LinkTarget != new FileInfo(actual).LinkTarget) problems.Add($"{rel}: link target differs");
                break;
            case FileStatus.Directory:
                var names = Names(expected);
                var other = Names(actual);
                foreach (var extra in other.Except(names)) problems.Add($"{rel}/{extra}: unexpected");
                foreach (var name in names) Compare(Path.Combine(expected, name), Path.Combine(actual, name), rel + "/" + name, problems);
                break;
        }
    }

    private static List<string> Names(string dir) =>
        Directory.EnumerateFileSystemEntries(dir, "*", new EnumerationOptions { AttributesToSkip = 0 }).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToList();
}
