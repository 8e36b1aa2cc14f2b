namespace Dedup.Core;

/// <summary>An error the user can act on; the CLI prints its message as one line.</summary>
public class DedupException : Exception
{
    public DedupException(string message) : base(message) { }
    public DedupException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The repository is held by another process.</summary>
public sealed class RepositoryLockedException(string message) : DedupException(message);

/// <summary>A snapshot name that matches nothing, or more than one snapshot.</summary>
public sealed class SnapshotNotFoundException(string message) : DedupException(message);

/// <summary>Bytes read from the repository are not what was written: a damaged pack, tree or catalog.
/// (InvalidDataException is sealed, so this is a DedupException: the CLI reports it as one line.)</summary>
public class CorruptDataException : DedupException
{
    public CorruptDataException(string message) : base(message) { }
    public CorruptDataException(string message, Exception inner) : base(message, inner) { }
}
