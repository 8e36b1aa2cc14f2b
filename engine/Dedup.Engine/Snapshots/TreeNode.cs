using Dedup.Core;

namespace Dedup.Snapshots;

public enum NodeType : byte
{
    File = 1,
    Directory = 2,
    Symlink = 3,
}

/// <summary>
/// One entry of a directory. <see cref="Mode"/> holds the permission bits only (type is <see cref="Type"/>).
/// <see cref="Inode"/> and <see cref="CtimeNs"/> are kept so the next incremental backup can tell the file is unchanged without reading it.
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
}
