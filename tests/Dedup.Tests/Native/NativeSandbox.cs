using Dedup.Native;
using Dedup.Tests.Support;

namespace Dedup.Tests.Native;

/// <summary>
/// A temp directory for the native layer's tests, with a handle on it. Removed by rm -rf: the BCL's Directory.Delete
/// can neither name a file whose name is not UTF-8 nor reach below PATH_MAX. Also the outside view of the bytes on
/// disk, through programs that never decode a name.
/// </summary>
internal sealed class NativeSandbox : IDisposable
{
    public NativeSandbox()
    {
        Root = Path.Combine(Path.GetTempPath(), "dedup-tests", "native-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        Handle = DirectoryHandle.Open(Root);
    }

    public string Root { get; }

    public DirectoryHandle Handle { get; }

    /// <summary>A regular file with this content, made the way the restore will make files.</summary>
    public static void WriteFile(DirectoryHandle dir, string name, byte[] content)
    {
        string temp;
        using (var handle = dir.CreateTempFile(out temp))
            RandomAccess.Write(handle, content, 0);
        dir.Rename(temp, name);
    }

    /// <summary>The names in <paramref name="directory"/> as find(1) prints them, as raw bytes (hex through od).</summary>
    public static List<byte[]> ListExternally(string directory)
    {
        var bytes = Hex(Shell("find \"$1\" -mindepth 1 -maxdepth 1 -printf '%f\\0' | od -An -v -tx1", directory));
        var names = new List<byte[]>();
        for (int start = 0, end; start < bytes.Length; start = end + 1)
        {
            end = Array.IndexOf(bytes, (byte)0, start);
            names.Add(bytes[start..end]);
        }
        return names;
    }

    /// <summary>The target of the symlink at <paramref name="path"/> (an ASCII path) as readlink(1) gives its bytes.</summary>
    public static byte[] ReadLinkExternally(string path) => Hex(Shell("readlink -n \"$1\" | od -An -v -tx1", path));

    public static string Shell(string script, params string[] args)
    {
        var result = Exec.Run("sh", ["-c", script, "sh", .. args]);
        Assert.True(result.ExitCode == 0, $"{script}: {result.Stderr}");
        return result.Stdout;
    }

    private static byte[] Hex(string od) =>
        od.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(h => Convert.ToByte(h, 16)).ToArray();

    public void Dispose()
    {
        Handle.Dispose();
        Exec.Run("rm", ["-rf", Root]);
    }
}
