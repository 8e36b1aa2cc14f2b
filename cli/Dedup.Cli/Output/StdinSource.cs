using System.Diagnostics;
using Dedup.Core;

namespace Dedup.Cli;

/// <summary>
/// What `backup --stdin` reads, checked at its end, before the snapshot is saved: a producer that failed
/// (`--stdin-from-command` exiting non-zero) or an empty stream (`false | dedup backup --stdin`) fails the backup
/// instead of saving a short or empty file as if it were the data.
/// </summary>
public sealed class StdinSource : Stream
{
    private readonly Stream _inner;
    private readonly Process? _producer;
    private readonly string _name;
    private readonly bool _allowEmpty;
    private long _read;

    private StdinSource(Stream inner, Process? producer, string name, bool allowEmpty) =>
        (_inner, _producer, _name, _allowEmpty) = (inner, producer, name, allowEmpty);

    public static StdinSource FromStandardInput(bool allowEmpty) =>
        new(Console.OpenStandardInput(), null, "standard input", allowEmpty);

    /// <summary>Starts <paramref name="command"/> (no shell) with its stdout as the stream; its stderr goes to ours.</summary>
    public static StdinSource FromCommand(IReadOnlyList<string> command, bool allowEmpty)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1)) info.ArgumentList.Add(arg);
        Process process;
        try { process = Process.Start(info) ?? throw new DedupException($"could not start {command[0]}"); }
        catch (System.ComponentModel.Win32Exception e) { throw new DedupException($"could not start {command[0]}: {e.Message}"); }
        return new StdinSource(process.StandardOutput.BaseStream, process, $"'{string.Join(' ', command)}'", allowEmpty);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = _inner.Read(buffer);
        _read += n;
        if (n == 0 && buffer.Length > 0) CheckEnd();
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await _inner.ReadAsync(buffer, cancellationToken);
        _read += n;
        if (n == 0 && buffer.Length > 0) CheckEnd();
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void CheckEnd()
    {
        if (_producer is not null)
        {
            _producer.WaitForExit();
            if (_producer.ExitCode != 0)
                throw new DedupException($"{_name} exited with code {_producer.ExitCode}; nothing was saved");
        }
        if (_read == 0 && !_allowEmpty)
            throw new DedupException($"{_name} gave no data; nothing was saved (pass --allow-empty to save an empty file)");
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            if (_producer is { HasExited: false }) _producer.Kill(entireProcessTree: true);
            _producer?.Dispose();
        }
        base.Dispose(disposing);
    }
}
