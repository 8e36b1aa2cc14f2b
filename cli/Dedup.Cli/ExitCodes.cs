namespace Dedup.Cli;

public static class ExitCodes
{
    public const int Success = 0;
    public const int Error = 1;
    public const int Usage = 2;
    /// <summary>The snapshot was saved, but some files could not be read and are missing from it.</summary>
    public const int PartialBackup = 3;
    /// <summary>Another dedup process holds the repository (restic's code for the same): nothing was done, try later.
    /// Lets monitoring tell "busy, e.g. a backup run is under way" from "an objective is not met".</summary>
    public const int Locked = 11;
    /// <summary>Stopped by SIGINT or SIGTERM after finishing or rolling back what was in flight (restic's code).</summary>
    public const int Interrupted = 130;
}
