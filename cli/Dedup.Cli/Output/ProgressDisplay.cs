using Spectre.Console;

namespace Dedup.Cli;

/// <summary>Counters the engine's observers bump from any thread; the display samples them.</summary>
public sealed class ProgressCounter
{
    private long _bytes, _items, _total = -1;
    public long Bytes => Interlocked.Read(ref _bytes);
    public long Items => Interlocked.Read(ref _items);
    public long Total => Interlocked.Read(ref _total);
    public void AddBytes(long n) => Interlocked.Add(ref _bytes, n);
    public void AddItem() => Interlocked.Increment(ref _items);
    public void SetTotal(long total) => Interlocked.Exchange(ref _total, total);

    /// <summary>One item (a pack, a file) of <paramref name="bytes"/> finished.</summary>
    public void ItemDone(long bytes)
    {
        AddBytes(bytes);
        AddItem();
    }

    /// <summary>The shape the engine's (done, total) progress callbacks have, counting items.</summary>
    public void ItemsDone(long done, long total)
    {
        SetTotal(total);
        ItemDone(1);
    }
}

/// <summary>A Spectre.Console progress bar on stderr while work runs, when a person is watching; nothing otherwise,
/// so piped output stays parseable.</summary>
public static class ProgressDisplay
{
    public static async Task<T> RunAsync<T>(CliContext context, string label, string itemName, Func<ProgressCounter, Task<T>> work)
    {
        var counter = new ProgressCounter();
        // Task.Run: the engine's work is mostly synchronous and would otherwise finish before the display starts.
        if (!context.Interactive) return await Task.Run(() => work(counter));

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(label, maxValue: 1);
                task.IsIndeterminate = true;
                var running = Task.Run(() => work(counter));
                while (!running.IsCompleted)
                {
                    Update(task, counter, label, itemName);
                    await Task.WhenAny(running, Task.Delay(150));
                }
                Update(task, counter, label, itemName);
                return await running;
            });
    }

    private static void Update(ProgressTask task, ProgressCounter counter, string label, string itemName)
    {
        long total = counter.Total;
        if (total >= 0)
        {
            task.IsIndeterminate = false;
            task.MaxValue = Math.Max(1, Math.Max(total, counter.Bytes));
        }
        task.Value = Math.Min(counter.Bytes, task.MaxValue);
        task.Description = $"{label} {counter.Items} {itemName}";
    }
}
