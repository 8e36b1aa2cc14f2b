using Dedup.Backup.Selection;

namespace Dedup.Tests.Backup.Selection;

public class PatternListsTests
{
    [Fact]
    public void Variables_expand_as_restic_expands_them_in_exclude_files()
    {
        Environment.SetEnvironmentVariable("DEDUP_TEST_HOME", "/home/ana");
        Assert.Equal("/home/ana/.cache", PatternLists.ExpandEnvironment("$DEDUP_TEST_HOME/.cache"));
        Assert.Equal("/home/ana_old", PatternLists.ExpandEnvironment("${DEDUP_TEST_HOME}_old"));
        Assert.Equal("/price/$5", PatternLists.ExpandEnvironment("/price/$$5"));
        Assert.Equal("/x//y", PatternLists.ExpandEnvironment("/x/$DEDUP_TEST_UNSET/y"));
    }
}
