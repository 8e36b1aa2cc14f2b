namespace Dedup.Tests.Support;

/// <summary>
/// Runs dedup as an unprivileged user when the tests run as root: root ignores permissions, which would hide what
/// a normal user meets (unreadable files, read-only directories). The sandbox is opened to everyone, except the
/// paths whose modes the test is about.
/// </summary>
public static class Nobody
{
    /// <summary>The command prefix for <see cref="DedupCli.RunWith"/>; null when not root (the tests already run unprivileged).</summary>
    public static string[]? Prefix(Sandbox sandbox, params string[] keepModes)
    {
        if (!Dedup.Native.Posix.IsRoot) return null;
        foreach (var path in Walk.Entries(sandbox.Root).Prepend(sandbox.Root))
            if (!keepModes.Any(k => path == k || path.StartsWith(k + "/", StringComparison.Ordinal)) && new FileInfo(path).LinkTarget is null)
                File.SetUnixFileMode(path, (UnixFileMode)0x1FF);
        File.SetUnixFileMode(Path.GetDirectoryName(sandbox.Root)!, (UnixFileMode)0x1FF);
        return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"];
    }
}
