using System.Text.Json;
using Dedup.Native;
using Dedup.Tests.Support;

namespace Dedup.Tests.Cli;

/// <summary>backup's selection options, run through the CLI as a restic user would type them.</summary>
public class BackupSelectionTests : IDisposable
{
    private readonly Sandbox _sandbox = new();
    private readonly DedupCli _cli;
    private readonly string _src;

    public BackupSelectionTests()
    {
        _cli = new DedupCli(_sandbox.Path("repo"));
        Assert.Equal(0, _cli.Init().ExitCode);
        _src = _sandbox.Path("src");
        foreach (var (path, content) in new[]
        {
            ("app/main.go", "package main"), ("app/main.c", "int main;"), ("app/README", "read me"),
            ("app/node_modules/pad/index.js", "js"), ("home/Music/song.ogg", "la"), ("home/Documents/cv.odt", "cv"),
            ("home/Documents/draft.tmp", "tmp"), ("cache/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55 tail"),
            ("cache/blob", "cached"), ("fake-cache/CACHEDIR.TAG", "not a signature"), ("fake-cache/kept", "k"),
            ("scratch/.nobackup", ""), ("scratch/tmpfile", "t"), ("big/large.bin", new string('x', 300_000)), ("big/small.bin", "s"),
        })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_src, path))!);
            File.WriteAllText(Path.Combine(_src, path), content);
        }
    }

    public void Dispose() => _sandbox.Dispose();

    private DedupCli.Result Backup(params string[] args)
    {
        var result = _cli.Run(["backup", "--json", .. args]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    /// <summary>The files (not directories) of the latest snapshot, relative to the source.</summary>
    private List<string> LatestFiles()
    {
        var ls = _cli.Run("ls", "latest", "--json");
        Assert.True(ls.ExitCode == 0, ls.ToString());
        return JsonDocument.Parse(ls.Stdout).RootElement.EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() != "directory")
            .Select(e => e.GetProperty("path").GetString()!).Where(p => p.StartsWith(_src + "/", StringComparison.Ordinal))
            .Select(p => p[(_src.Length + 1)..]).Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public void An_exclude_file_with_comments_variables_negation_and_directory_patterns()
    {
        string file = _sandbox.Path("excludes.txt");
        File.WriteAllLines(file,
        [
            "# build output and dependencies",
            "  node_modules/  ",
            "*.c",
            "$SRC/home/*",
            "!${SRC}/home/Documents",
            "*.TMP",
            "/cost/$$5",
        ]);
        _cli.Environment["SRC"] = _src;
        Backup("--exclude-file", file, "--iexclude", "*.tmp", _src);
        var files = LatestFiles();
        Assert.DoesNotContain("app/main.c", files);
        Assert.DoesNotContain("app/node_modules/pad/index.js", files);
        Assert.DoesNotContain("home/Music/song.ogg", files);
        Assert.DoesNotContain("home/Documents/draft.tmp", files); // only --iexclude catches *.TMP's lower-case file
        Assert.Contains("home/Documents/cv.odt", files);
        Assert.Contains("app/main.go", files);
        Assert.Contains("app/README", files);
    }

    [Fact]
    public void Tagged_directories_keep_only_their_tag_and_large_files_can_be_left_out()
    {
        Backup("--exclude-caches", "--exclude-if-present", ".nobackup", "--exclude-larger-than", "100k", _src);
        var files = LatestFiles();
        Assert.Contains("cache/CACHEDIR.TAG", files);
        Assert.DoesNotContain("cache/blob", files);
        Assert.Contains("fake-cache/kept", files); // a tag without the signature marks nothing
        Assert.Equal(["scratch/.nobackup"], files.Where(f => f.StartsWith("scratch/", StringComparison.Ordinal)));
        Assert.DoesNotContain("big/large.bin", files);
        Assert.Contains("big/small.bin", files);

        // A header given after ':' must be what the file starts with.
        File.WriteAllText(Path.Combine(_src, "scratch/.nobackup"), "keep out");
        Backup("--exclude-if-present", ".nobackup:skip", _src);
        Assert.Contains("scratch/tmpfile", LatestFiles());
        Backup("--exclude-if-present", ".nobackup:keep", _src);
        Assert.DoesNotContain("scratch/tmpfile", LatestFiles());
    }

    [Fact]
    public void Files_from_lists_expand_wildcards_verbatim_lists_do_not_and_raw_lists_carry_any_bytes()
    {
        File.WriteAllText(_sandbox.Path("list.txt"), $"# what to save\n{_src}/app/*.go\n\n  {_src}/home/Music  \n");
        Backup("--files-from", _sandbox.Path("list.txt"));
        Assert.Equal(["app/main.go", "home/Music/song.ogg"], LatestFiles());

        // A name with a wildcard character in it, listed verbatim.
        File.WriteAllText(Path.Combine(_src, "app/what*"), "literal");
        File.WriteAllText(_sandbox.Path("verbatim.txt"), $"{_src}/app/what*\n");
        Backup("--files-from-verbatim", _sandbox.Path("verbatim.txt"));
        Assert.Equal(["app/what*"], LatestFiles());

        // find -print0 output with a name that is not UTF-8.
        byte[] latin1 = [.. "caf"u8, 0xE9];
        using (var dir = DirectoryHandle.Open(_src)) { using var _ = dir.CreateTempFile(out string temp); dir.Rename(temp, FileName.FromBytes(latin1)); }
        File.WriteAllBytes(_sandbox.Path("raw"), [.. FileName.ToBytes(_src), (byte)'/', .. latin1, 0, .. FileName.ToBytes(_src + "/big/small.bin"), 0]);
        Backup("--files-from-raw", _sandbox.Path("raw"));
        Assert.Equal(["big/small.bin", @"caf\xe9"], LatestFiles());

        var missing = _cli.Run("backup", "--files-from", _sandbox.Path("nothing-here"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Single(missing.StderrLines);
    }

    [Fact]
    public void A_dry_run_reports_what_would_be_added_and_writes_nothing()
    {
        Backup(_src + "/app");
        var before = Walk.Entries(_sandbox.Path("repo")).Select(p => (p, File.Exists(p) ? new FileInfo(p).Length : -1)).Order().ToList();
        var dry = Backup("--dry-run", _src);
        var after = Walk.Entries(_sandbox.Path("repo")).Select(p => (p, File.Exists(p) ? new FileInfo(p).Length : -1)).Order().ToList();
        Assert.Equal(before, after);
        var summary = dry.LastJson;
        Assert.True(summary.GetProperty("dry_run").GetBoolean());
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("snapshot").ValueKind);
        Assert.True(summary.GetProperty("bytes_added").GetInt64() >= 300_000); // big/large.bin is new, app/ is not
        Assert.Equal(1, JsonDocument.Parse(_cli.Run("snapshots", "--json").Stdout).RootElement.GetArrayLength());
        Assert.Contains("Would add", _cli.Run("backup", "-n", _src).Stdout);
    }

    [Fact]
    public void A_file_that_is_not_what_its_size_says_is_saved_with_a_warning_and_exit_3()
    {
        // /proc files say size 0 and read as text: what is read is not what was stat'ed, as with a file written to
        // while it is read.
        var result = _cli.Run("backup", "/proc/version");
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("changed while it was read", result.Stderr);
        Assert.Contains("Linux", _cli.Run("cat", "latest", "/proc/version").Stdout);
    }

    [Fact]
    public void Bad_selection_arguments_get_one_line()
    {
        foreach (var args in new[] { new[] { "--exclude", "[abc" }, ["--exclude-larger-than", "12q"], ["--exclude-if-present", "a/b"], ["--exclude-file", _sandbox.Path("none")] })
        {
            var result = _cli.Run(["backup", .. args, _src]);
            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Single(result.StderrLines);
        }
    }
}
