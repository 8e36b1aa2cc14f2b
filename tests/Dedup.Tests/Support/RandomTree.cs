using Dedup.Native;
using FsCheck;
using FsCheck.Fluent;

namespace Dedup.Tests.Support;

/// <summary>A generated file tree: directories, files (with shared and repeated content), symlinks, empty directories.</summary>
public sealed record RandomTree(IReadOnlyList<RandomTree.Entry> Entries, int Seed)
{
    public enum EntryKind { Directory, File, Symlink }

    /// <summary>A file's content is <see cref="Size"/> bytes from <see cref="ContentSeed"/>; equal seeds make duplicate content.</summary>
    public sealed record Entry(string Path, EntryKind Kind, int Size, int ContentSeed, uint Mode, long MtimeNs, string? LinkTarget);

    private static readonly string[] NamePool =
    [
        "a", "b", "data", "notes.txt", "with space", "ünïcödé", "日本語", "emoji-😀", "x.sql", "Contacts.db", ".hidden", "-dash", "long-" + new string('n', 60),
    ];

    private static readonly uint[] Modes = [0x1A4 /*644*/, 0x180 /*600*/, 0x1ED /*755*/, 0x1C0 /*700*/, 0x124 /*444*/];

    /// <summary>Sizes that matter to a chunker with <see cref="TestRepository.SmallChunks"/>: empty, tiny, around min/avg/max, several chunks, several MiB.</summary>
    private static readonly Gen<int> Sizes = Gen.Frequency(
        (3, Gen.Constant(0)),
        (6, Gen.Choose(1, 3000)),
        (4, Gen.Elements(1023, 1024, 1025, 4096, 16383, 16384, 16385, 32768)),
        (6, Gen.Choose(3000, 200_000)),
        (1, Gen.Choose(2_000_000, 3_500_000)));

    public static Gen<RandomTree> Generator =>
        from dirCount in Gen.Choose(0, 5)
        from dirs in DirGen.ListOf(dirCount)
        from fileCount in Gen.Choose(0, 12)
        from files in FileGen(dirs.Distinct().ToList()).ListOf(fileCount)
        from seed in Gen.Choose(0, int.MaxValue)
        select Build(dirs, files, seed);

    private static readonly Gen<string> DirGen =
        from depth in Gen.Choose(1, 3)
        from parts in Gen.Elements(NamePool).ListOf(depth)
        select string.Join('/', parts);

    private static Gen<Entry> FileGen(List<string> dirs) =>
        from dir in Gen.Elements(dirs.Prepend("").ToArray())
        from name in Gen.Elements(NamePool)
        from kind in Gen.Frequency((8, Gen.Constant(EntryKind.File)), (1, Gen.Constant(EntryKind.Symlink)))
        from size in Sizes
        from contentSeed in Gen.Choose(0, 4) // few seeds: duplicated content within and across files is common
        from mode in Gen.Elements(Modes)
        from mtime in Gen.Choose(0, int.MaxValue)
        from nanos in Gen.Choose(0, 999_999_999)
        from target in Gen.Elements("a", "../b", "/nonexistent/target", "with space/x")
        select new Entry(dir.Length == 0 ? name : dir + "/" + name, kind, size, contentSeed, mode, mtime * 1_000_000_000L + nanos, kind == EntryKind.Symlink ? target : null);

    private static RandomTree Build(IEnumerable<string> dirs, IEnumerable<Entry> files, int seed)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var rng = new Random(seed);
        foreach (var dir in dirs)
        {
            string prefix = "";
            foreach (var part in dir.Split('/'))
            {
                prefix = prefix.Length == 0 ? part : prefix + "/" + part;
                entries.TryAdd(prefix, new Entry(prefix, EntryKind.Directory, 0, 0, rng.Next(2) == 0 ? 0x1EDu : 0x1C0u, rng.NextInt64(0, 2_000_000_000) * 1_000_000_000L + rng.Next(1_000_000_000), null));
            }
        }
        foreach (var file in files)
        {
            // A name taken by a directory stays a directory; the file is dropped.
            if (entries.ContainsKey(file.Path) || entries.Keys.Any(k => k.StartsWith(file.Path + "/", StringComparison.Ordinal))) continue;
            entries[file.Path] = file;
        }
        return new RandomTree(entries.Values.OrderBy(e => e.Path, StringComparer.Ordinal).ToList(), seed);
    }

    public static byte[] Content(int size, int contentSeed)
    {
        var bytes = new byte[size];
        var rng = new Random(contentSeed);
        // Half random, half repeated text: chunks both compress and don't, and repeat inside a file.
        int half = size / 2;
        rng.NextBytes(bytes.AsSpan(0, half));
        var text = "contact;email;name;opt-in\n"u8;
        for (int i = half; i < size; i++) bytes[i] = text[(i - half) % text.Length];
        return bytes;
    }

    public void WriteTo(string root)
    {
        Directory.CreateDirectory(root);
        foreach (var e in Entries.Where(e => e.Kind == EntryKind.Directory)) Directory.CreateDirectory(Path.Combine(root, e.Path));
        foreach (var e in Entries.Where(e => e.Kind != EntryKind.Directory))
        {
            string path = Path.Combine(root, e.Path);
            if (e.Kind == EntryKind.Symlink) File.CreateSymbolicLink(path, e.LinkTarget!);
            else
            {
                File.WriteAllBytes(path, Content(e.Size, e.ContentSeed));
                File.SetUnixFileMode(path, (UnixFileMode)e.Mode);
            }
            Posix.SetTimes(path, e.MtimeNs);
        }
        // Directories last and deepest first: writing into a directory changes its mtime.
        foreach (var e in Entries.Where(e => e.Kind == EntryKind.Directory).Reverse())
        {
            string path = Path.Combine(root, e.Path);
            File.SetUnixFileMode(path, (UnixFileMode)e.Mode);
            Posix.SetTimes(path, e.MtimeNs);
        }
    }

    public override string ToString() => $"{Entries.Count} entries: " + string.Join(", ", Entries.Select(e => $"{e.Path}({e.Kind},{e.Size})"));
}
