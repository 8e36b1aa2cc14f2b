namespace Dedup.Core;

/// <summary>An error the user can act on; the CLI prints its message as one line.</summary>
public class DedupException : Exception
{
    public DedupException(string message) : base(message) { }
    public DedupException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The repository is held by another process.</summary>
public sealed class RepositoryLockedException(string message) : DedupException(message);

/// <summary>A command that writes met a repository on read-only media (or without write permission).</summary>
public sealed class RepositoryReadOnlyException(string message) : DedupException(message);

/// <summary>A snapshot name that matches nothing, or more than one snapshot.</summary>
public sealed class SnapshotNotFoundException(string message) : DedupException(message);

/// <summary>Bytes read from the repository are not what was written: a damaged pack, tree or catalog.
/// (InvalidDataException is sealed, so this is a DedupException: the CLI reports it as one line.)</summary>
public class CorruptDataException : DedupException
{
    public CorruptDataException(string message) : base(message) { }
    public CorruptDataException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// The repository could not be written (a full disk, tmp/ not writable): the command stops. Deliberately not an
/// <see cref="IOException"/>: the backup skips a source file it cannot read and goes on, and must not mistake the
/// repository's failure for that and go on writing into a full disk file after file.
/// </summary>
public sealed class RepositoryWriteException(string what, Exception cause) : DedupException(Describe(what, cause), cause)
{
    /// <param name="what">"the repository at /path", "the catalog /path/catalog.db": named, since the disk that is full
    /// may not be the one the user thinks of.</param>
    private static string Describe(string what, Exception cause) =>
        $"cannot write to {what}: {cause.Message}" + (StorageErrors.IsOutOfSpace(cause) ? " (free space on its file system, then run the command again)" : "");
}

/// <summary>The catalog cannot be opened or read; in a format-2 repository it can be rebuilt from the files.</summary>
public sealed class CatalogDamagedException(string message, Exception inner) : CorruptDataException(message, inner);
