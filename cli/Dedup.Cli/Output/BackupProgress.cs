using Dedup.Backup;

namespace Dedup.Cli;

/// <summary>The backup's observer: counts for the progress bar; warnings and errors to stderr, one line each.</summary>
public sealed class BackupProgress(ProgressCounter counter, CliContext context) : IBackupObserver
{
    private long _errors;
    public long Errors => Interlocked.Read(ref _errors);

    public void BytesProcessed(long bytes) => counter.AddBytes(bytes);
    public void FileStarted(string path) => counter.Current = Native.FileName.Display(path);
    public void FileDone(string path, long size) => counter.AddItem();

    public void Warning(string path, string message)
    {
        if (!context.Quiet) context.Error($"warning: {Native.FileName.Display(path)}: {message}");
    }

    public void Error(string path, Exception error)
    {
        Interlocked.Increment(ref _errors);
        counter.AddError();
        context.Error($"error: {Native.FileName.Display(path)}: {Reason(error)}");
        if (context.Verbose) Console.Error.WriteLine(error);
    }

    private static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        _ => e.Message,
    };
}
