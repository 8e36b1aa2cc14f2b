namespace Dedup.Tests.Support;

/// <summary>A temp directory per test, removed afterwards.</summary>
public sealed class Sandbox : IDisposable
{
    public Sandbox()
    {
        Root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dedup-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public void Dispose()
    {
        try
        {
            foreach (var dir in Walk.Directories(Root)) File.SetUnixFileMode(dir, (UnixFileMode)0x1ED);
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { }
        // .NET cannot name what is not UTF-8 or deeper than PATH_MAX; rm can.
        if (Directory.Exists(Root))
        {
            try { System.Diagnostics.Process.Start("rm", ["-rf", Root])?.WaitForExit(); }
            catch (System.ComponentModel.Win32Exception) { }
        }
    }
}
