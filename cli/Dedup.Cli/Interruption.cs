using System.Runtime.InteropServices;

namespace Dedup.Cli;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM stop a command cleanly: the first one says so and cancels the command's token,
/// so what is in flight finishes or is rolled back (a backup saves no snapshot, a restore leaves only complete
/// files) and the command exits <see cref="ExitCodes.Interrupted"/>; a second one ends the process at once, which
/// the repository survives as it survives kill -9. Either way the terminal gets its cursor back.
/// </summary>
public sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    public Interruption()
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    public CancellationToken Token => _source.Token;

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signals) > 1)
        {
            ShowCursor();
            return; // not cancelled: the default action ends the process
        }
        context.Cancel = true;
        ShowCursor();
        Console.Error.WriteLine($"dedup: {(context.Signal == PosixSignal.SIGINT ? "interrupted" : "terminated")}, stopping: finishing what is in flight (again to stop at once)");
        _source.Cancel();
    }

    /// <summary>The progress display hides the cursor; a signal must not leave the user's terminal without it.</summary>
    private static void ShowCursor()
    {
        if (!Console.IsErrorRedirected) Console.Error.Write("\u001b[?25h");
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _source.Dispose();
    }
}
