using Dedup.Core;

namespace Dedup.Storage;

/// <summary>An object store failed. <see cref="Transient"/> failures (connection refused or reset, timeouts,
/// throttling, server errors) are worth retrying; the rest (access denied, no such bucket) are not.</summary>
public sealed class RemoteException : DedupException
{
    public RemoteException(string message, bool transient) : base(message) => Transient = transient;
    public RemoteException(string message, bool transient, Exception inner) : base(message, inner) => Transient = transient;

    public bool Transient { get; }
}
