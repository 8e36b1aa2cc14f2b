namespace Dedup.Plan;

/// <summary>
/// What a run does around its work, as borgmatic users know it: commands (run through <c>/bin/sh -c</c>) and URLs to
/// ping (healthchecks.io, Uptime Kuma, ntfy: a plain HTTP GET). The plan has one set for the whole run and each
/// backup set one for its own part (its before command, its backup, its after command).
/// <see cref="Before"/> failing skips that scope's work and counts as a failure; <see cref="After"/> runs when the
/// scope's work succeeded, <see cref="OnError"/> when a step of it failed. A ping that fails is only a warning.
/// </summary>
public sealed record Hooks
{
    public static readonly Hooks None = new();

    public string? Before { get; init; }
    public string? After { get; init; }
    public string? OnError { get; init; }
    public string? PingStart { get; init; }
    public string? PingSuccess { get; init; }
    public string? PingFailure { get; init; }
}
