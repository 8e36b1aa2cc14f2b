using System.Diagnostics;

namespace Dedup.Tests.Support;

/// <summary>
/// A small file system of its own, mounted in a sandbox, to run out of space in: tmpfs, or ext4 on a loop device
/// (the file system the disk-full reports came from). <see cref="FillLeaving"/> takes it to an exact free-space
/// level with one filler file. Mounting needs root: outside CI a test without it returns early with the reason
/// printed; with CI=true it fails (as <see cref="S3TestServer"/> does for a missing server).
/// </summary>
public sealed class SmallDisk : IDisposable
{
    private const string FillerName = "filler";
    private readonly string? _image;

    private SmallDisk(string root, string? image) => (Root, _image) = (root, image);

    /// <summary>The mount point.</summary>
    public string Root { get; }

    public string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>What an unprivileged writer may still use (ext4 is made without root's reserve, so root sees the same).</summary>
    public long FreeBytes => new DriveInfo(Root).AvailableFreeSpace;

    /// <summary>True when this process may mount; false (after printing why) outside CI; throws in CI.</summary>
    public static bool Available()
    {
        if (Dedup.Native.Posix.IsRoot) return true;
        if (Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException("CI=true but the tests do not run as root: the disk-full tests need to mount a small file system");
        Console.WriteLine("disk-full test skipped: mounting a small file system needs root");
        return false;
    }

    public static SmallDisk Tmpfs(string mountPoint, int megabytes)
    {
        Directory.CreateDirectory(mountPoint);
        Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", mountPoint);
        return new SmallDisk(mountPoint, null);
    }

    /// <summary>ext4 in an image file beside the mount point, without the 5% reserved for root and without a journal
    /// of its own size eating into a tiny disk.</summary>
    public static SmallDisk Ext4(string mountPoint, int megabytes)
    {
        Directory.CreateDirectory(mountPoint);
        string image = mountPoint.TrimEnd('/') + ".ext4";
        using (var file = File.Create(image)) file.SetLength(megabytes * 1024L * 1024);
        Run("mkfs.ext4", "-q", "-F", "-m", "0", image);
        Run("mount", "-o", "loop", image, mountPoint);
        return new SmallDisk(mountPoint, image);
    }

    /// <summary>Writes (or trims) the filler until exactly <paramref name="freeBytes"/> are left, give or take a block.</summary>
    public void FillLeaving(long freeBytes)
    {
        string filler = Path(FillerName);
        var chunk = new byte[1024 * 1024];
        Random.Shared.NextBytes(chunk);
        using var stream = new FileStream(filler, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, 1);
        for (int round = 0; round < 4; round++)
        {
            long excess = FreeBytes - freeBytes;
            if (Math.Abs(excess) < 8192) return;
            if (excess < 0)
            {
                stream.SetLength(Math.Max(0, stream.Length + excess));
            }
            else
            {
                stream.Seek(0, SeekOrigin.End);
                try
                {
                    for (long left = excess; left > 0; left -= chunk.Length) stream.Write(chunk, 0, (int)Math.Min(left, chunk.Length));
                }
                catch (IOException) { } // the file system's own bookkeeping took a few blocks: the next round trims
            }
            stream.Flush(flushToDisk: true);
        }
    }

    public void RemoveFiller() => File.Delete(Path(FillerName));

    /// <summary>Removes everything but the filler: each fill level starts from a fresh copy.</summary>
    public void Clear()
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(Root))
        {
            if (System.IO.Path.GetFileName(entry) is FillerName or "lost+found") continue;
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
        }
    }

    public void Dispose()
    {
        // A process killed for hanging may still hold a file open a moment: a lazy unmount detaches it anyway.
        if (!TryRun("umount", Root)) TryRun("umount", "-l", Root);
        if (_image is not null) File.Delete(_image);
    }

    private static void Run(params string[] command)
    {
        if (!TryRun(command, out string output)) throw new InvalidOperationException($"{string.Join(' ', command)} failed: {output}");
    }

    private static bool TryRun(params string[] command) => TryRun(command, out _);

    private static bool TryRun(string[] command, out string output)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1)) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        output = process.StandardError.ReadToEnd() + stdout.Result;
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
