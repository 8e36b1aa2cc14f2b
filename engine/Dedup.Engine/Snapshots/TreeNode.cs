using Dedup.Core;

namespace Dedup.Snapshots;

public enum NodeType : byte
{
    File = 1,
    Directory = 2,
    Symlink = 3,
    Fifo = 4,
    Socket = 5,
    CharDevice = 6,
    BlockDevice = 7,
}

/// <summary>One extended attribute: its name (bytes, escaped like file names) and raw value.</summary>
public sealed record ExtendedAttribute(string Name, byte[] Value)
{
    public bool Equals(ExtendedAttribute? other) => other is not null && Name == other.Name && Value.AsSpan().SequenceEqual(other.Value);
    public override int GetHashCode() => Name.GetHashCode();
}

/// <summary>Which file an entry was on its file system, kept only for entries with more than one link: the
/// entries of a snapshot with the same key were one file, and a restore links them again.</summary>
public readonly record struct HardLinkKey(ulong Device, ulong Inode, uint Links);

/// <summary>A byte range of a sparse file that reads as zeros and is not stored.</summary>
public readonly record struct FileHole(long Offset, long Length)
{
    public long End => Offset + Length;
}

/// <summary>
/// One entry of a directory. <see cref="Name"/> and <see cref="LinkTarget"/> are file-system bytes held as strings
/// (see <see cref="Native.FileName"/>: bytes that are not UTF-8 are escaped, exactly reversibly). <see cref="Mode"/>
/// holds the permission bits only (type is <see cref="Type"/>). <see cref="Inode"/> and <see cref="CtimeNs"/> are
/// kept so the next incremental backup can tell the file is unchanged without reading it.
/// </summary>
public sealed record TreeNode(
    string Name,
    NodeType Type,
    uint Mode,
    long MtimeNs,
    uint Uid,
    uint Gid,
    long Size = 0,
    ulong Inode = 0,
    long CtimeNs = 0,
    BlockId[]? Blocks = null,
    BlockId Subtree = default,
    string? LinkTarget = null)
{
    public IReadOnlyList<BlockId> Content => Blocks ?? [];

    /// <summary>Owner names as the backup's system knew them (null: not recorded or unknown).</summary>
    public string? UserName { get; init; }
    public string? GroupName { get; init; }

    /// <summary>Sorted by name bytes; empty for most entries.</summary>
    public IReadOnlyList<ExtendedAttribute> Xattrs { get; init; } = [];

    /// <summary>Set for a non-directory with two or more links.</summary>
    public HardLinkKey? HardLink { get; init; }

    /// <summary>A device's number (glibc's makedev encoding).</summary>
    public ulong DeviceNumber { get; init; }

    /// <summary>A sparse file's holes, in order; the blocks fill the rest.</summary>
    public IReadOnlyList<FileHole> Holes { get; init; } = [];
}
