namespace Dedup.Tests.Support;

/// <summary>Waiting for a condition another process brings about, with a limit: a stalled process must fail
/// its test, not hang the whole run until the harness's blame timeout.</summary>
public static class Poll
{
    public static void Until(Func<bool> done, TimeSpan limit, string what)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"gave up after {limit.TotalSeconds:0} s waiting for {what}");
            Thread.Sleep(1);
        }
    }
}
