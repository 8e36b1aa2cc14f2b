namespace Dedup.Tests.Support;

/// <summary>Copies a directory's files and subdirectories (contents only: no modes, times or links kept; for those
/// use `cp -a`), e.g. a repository before a test damages it.</summary>
public static class DirectoryCopy
{
    public static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.EnumerateDirectories(from)) Copy(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
