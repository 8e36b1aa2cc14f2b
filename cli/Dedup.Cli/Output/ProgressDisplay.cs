using Spectre.Console;

namespace Dedup.Cli;

/// <summary>Counters the engine's observers bump from any thread; the display samples them.</summary>
public sealed class ProgressCounter
{
    private long _bytes, _items, _total = -1, _itemsFound = -1, _errors;
    private volatile bool _scanning;
    public long Bytes => Interlocked.Read(ref _bytes);
    public long Items => Interlocked.Read(ref _items);
    public long Total => Interlocked.Read(ref _total);
    /// <summary>Items the pre-scan found so far; -1 when nobody counts them.</summary>
    public long ItemsFound => Interlocked.Read(ref _itemsFound);
    public long Errors => Interlocked.Read(ref _errors);
    /// <summary>True while the pre-scan is still finding items (the total is a lower bound).</summary>
    public bool Scanning => _scanning;
    /// <summary>What is being worked on now (a file's path), for the display; null when nothing in particular.</summary>
    public volatile string? Current;
    public void AddBytes(long n) => Interlocked.Add(ref _bytes, n);
    public void AddItem() => Interlocked.Increment(ref _items);
    public void AddError() => Interlocked.Increment(ref _errors);
    public void SetTotal(long total) => Interlocked.Exchange(ref _total, total);

    /// <summary>A pre-scan starts counting what there is to do: totals grow as it finds items.</summary>
    public void StartScan()
    {
        _scanning = true;
        Interlocked.CompareExchange(ref _itemsFound, 0, -1);
        Interlocked.CompareExchange(ref _total, 0, -1);
    }

    public void Found(long bytes)
    {
        Interlocked.Increment(ref _itemsFound);
        Interlocked.Add(ref _total, bytes);
    }

    public void EndScan() => _scanning = false;

    /// <summary>How many items there are, when known before the work starts (a restore knows its files).</summary>
    public void SetItemsFound(long items) => Interlocked.Exchange(ref _itemsFound, items);

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
        task.Description = Markup.Escape(Describe(counter, label, itemName));
    }

    /// <summary>"backup 1,204/5,310+ files, 2 errors  …/templates/welcome.html": done of found so far ("+" while
    /// the scan still finds more), errors so far, and the current file (its end, which names it best).</summary>
    public static string Describe(ProgressCounter counter, string label, string itemName)
    {
        long found = counter.ItemsFound;
        string of = found >= 0 ? $"/{found:N0}{(counter.Scanning ? "+" : "")}" : "";
        long errors = counter.Errors;
        string errorText = errors > 0 ? $", {errors:N0} error{(errors == 1 ? "" : "s")}" : "";
        string current = counter.Current is { } path ? "  " + (path.Length <= 40 ? path : "…" + path[^39..]) : "";
        return $"{label} {counter.Items:N0}{of} {itemName}{errorText}{current}";
    }
}
