using Dedup.Native;

namespace Dedup.Tests.Native;

public class AccountsTests
{
    [Fact]
    public void Root_is_found_both_ways()
    {
        Assert.Equal("root", Accounts.UserName(0));
        Assert.Equal("root", Accounts.GroupName(0));
        Assert.Equal(0u, Accounts.UserId("root"));
        Assert.Equal(0u, Accounts.GroupId("root"));
    }

    [Fact]
    public void Unknown_ids_and_names_give_null()
    {
        Assert.Null(Accounts.UserName(3_999_999_999));
        Assert.Null(Accounts.GroupName(3_999_999_999));
        Assert.Null(Accounts.UserId("no-such-user-dedup"));
        Assert.Null(Accounts.GroupId("no-such-group-dedup"));
        Assert.Null(Accounts.UserId(""));
        Assert.Null(Accounts.UserId(FileName.FromBytes([0x72, 0xFF])));
    }

    [Fact]
    public void Lookups_agree_across_threads()
    {
        // Every account in /etc/passwd, from many threads at once: the same answers as one thread gets.
        var entries = File.ReadAllLines("/etc/passwd").Select(l => l.Split(':')).Where(f => f.Length > 3)
            .Select(f => (Name: f[0], Uid: uint.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture))).ToList();
        Parallel.For(0, 8, _ =>
        {
            foreach (var (name, uid) in entries)
            {
                Assert.Equal(uid, Accounts.UserId(name));
                Assert.NotNull(Accounts.UserName(uid)); // several names may share an id: the first one answers
            }
        });
        Assert.Equal(entries.Select(e => e.Name).Distinct().Count(), entries.Count);
    }
}
