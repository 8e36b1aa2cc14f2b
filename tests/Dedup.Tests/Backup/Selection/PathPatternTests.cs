using Dedup.Backup.Selection;

namespace Dedup.Tests.Backup.Selection;

/// <summary>Each pattern form restic's manual documents for --exclude, as it documents it, plus the trailing '/'
/// (directories only) and negation.</summary>
public class PathPatternTests
{
    private static bool Excludes(string pattern, string path, bool isDirectory = false, bool ignoreCase = false)
        => PathPattern.Parse(pattern, ignoreCase).Matches(PathPattern.Components(path), isDirectory);

    [Theory]
    // A name pattern matches that name anywhere; '*' and '?' never cross '/'.
    [InlineData("*.go", "/home/user/test.go", true)]
    [InlineData("*.c", "/home/user/test.go", false)]
    [InlineData("test.?o", "/home/user/test.go", true)]
    [InlineData("*.go", "/home/user/test.go.txt", false)]
    [InlineData("*", "/anything/at/all", true)]
    [InlineData(".*", "/home/user/.cache", true)]
    // Matching a directory matches what is in it.
    [InlineData("node_modules", "/src/app/node_modules/left-pad/index.js", true)]
    [InlineData("*.go", "/src/vendor.go/readme", true)]
    // Several components: consecutive components anywhere in the path.
    [InlineData("user/*.go", "/home/user/test.go", true)]
    [InlineData("home/*.go", "/home/user/test.go", false)]
    [InlineData("us*/te*", "/home/user/test.go", true)]
    // A leading '/' anchors at the root.
    [InlineData("/home", "/home/user/test.go", true)]
    [InlineData("/user", "/home/user/test.go", false)]
    [InlineData("/home/*/test.go", "/home/user/test.go", true)]
    [InlineData("/*/test.go", "/home/user/test.go", false)]
    [InlineData("/home/*", "/home", false)]
    // '**' spans any number of directories, none included.
    [InlineData("/home/**/test.go", "/home/test.go", true)]
    [InlineData("/home/**/test.go", "/home/a/b/c/test.go", true)]
    [InlineData("foo/**/bar/*.go", "/x/foo/one/two/bar/main.go", true)]
    [InlineData("foo/**/bar/*.go", "/x/foo/main.go", false)]
    [InlineData("/home/**", "/home/user", true)]
    [InlineData("/srv/**/cache/*", "/srv/cache", false)]
    // Classes, ranges, negated classes (both spellings) and escapes.
    [InlineData("/home/[uU]ser/?.go", "/home/User/F.go", true)]
    [InlineData("/home/[uU]ser/?.go", "/home/user/FF.go", false)]
    [InlineData("log.[0-9]", "/var/log/log.7", true)]
    [InlineData("log.[0-9]", "/var/log/log.x", false)]
    [InlineData("log.[^0-9]", "/var/log/log.x", true)]
    [InlineData("log.[!0-9]", "/var/log/log.7", false)]
    [InlineData(@"what\?", "/tmp/what?", true)]
    [InlineData(@"what\?", "/tmp/whats", false)]
    [InlineData(@"\*", "/tmp/*", true)]
    [InlineData(@"\*", "/tmp/a", false)]
    [InlineData(@"a\\b", @"/tmp/a\b", true)]
    [InlineData("a*b", @"/tmp/a\b", true)]
    [InlineData("a**b", "/tmp/axxb", true)]
    // Paths in the pattern are cleaned.
    [InlineData("/home//user/./x/../test.go", "/home/user/test.go", true)]
    // Case matters unless asked not to.
    [InlineData("*.GO", "/home/user/test.go", false)]
    public void A_pattern_matches_as_restic_documents(string pattern, string path, bool expected)
        => Assert.Equal(expected, Excludes(pattern, path));

    [Fact]
    public void Ignoring_case_applies_to_literals_and_wildcards()
    {
        Assert.True(Excludes("*.GO", "/home/user/test.go", ignoreCase: true));
        Assert.True(Excludes("/HOME/User/TEST.go", "/home/user/test.go", ignoreCase: true));
        Assert.True(Excludes("[A-C]*.txt", "/x/beta.TXT", ignoreCase: true));
    }

    [Fact]
    public void A_trailing_slash_matches_directories_and_what_is_in_them_only()
    {
        Assert.True(Excludes("cache/", "/home/user/cache", isDirectory: true));
        Assert.False(Excludes("cache/", "/home/user/cache", isDirectory: false));
        Assert.True(Excludes("cache/", "/home/user/cache/blob", isDirectory: false));
        Assert.True(Excludes("/home/*/", "/home/user", isDirectory: true));
        Assert.False(Excludes("/home/*/", "/home/notes.txt", isDirectory: false));
    }

    [Fact]
    public void A_later_negated_pattern_keeps_what_an_earlier_one_excluded()
    {
        // restic's example: everything in the home directory but Documents (the '/*' matters: an excluded
        // directory is not walked into, so nothing under it can be taken back).
        var rules = Exclusions.FromPatterns(["/home/user/*", "!/home/user/Documents", "*.tmp"]);
        Assert.True(rules.ExcludesPath("/home/user/Music", isDirectory: true));
        Assert.False(rules.ExcludesPath("/home/user/Documents", isDirectory: true));
        Assert.False(rules.ExcludesPath("/home/user/Documents/cv.odt", isDirectory: false));
        Assert.True(rules.ExcludesPath("/home/user/Documents/cv.tmp", isDirectory: false));
        Assert.False(rules.ExcludesPath("/home/user", isDirectory: true));
        // Order decides: a negation before the exclusion takes nothing back.
        Assert.True(Exclusions.FromPatterns(["!/home/user/Documents", "/home/user/*"]).ExcludesPath("/home/user/Documents", true));
    }

    [Fact]
    public void Names_that_are_not_UTF8_are_matched_by_their_bytes()
    {
        // "café.log" in Latin-1: the é is the lone byte E9.
        string name = Dedup.Native.FileName.FromBytes([.. "caf"u8, 0xE9, .. ".log"u8]);
        Assert.True(Excludes("*.log", "/var/" + name));
        Assert.True(Excludes("caf?.log", "/var/" + name));
        Assert.False(Excludes("café.log", "/var/" + name));
    }

    [Theory]
    [InlineData("[abc")]
    [InlineData("a[")]
    [InlineData(@"x\")]
    [InlineData("!")]
    [InlineData("/")]
    [InlineData("[a-]")]
    public void A_malformed_pattern_is_refused(string pattern) => Assert.Throws<PatternException>(() => PathPattern.Parse(pattern));
}
