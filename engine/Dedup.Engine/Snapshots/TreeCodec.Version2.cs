using System.Buffers;
using System.Buffers.Binary;
using Dedup.Core;
using Dedup.Native;

namespace Dedup.Snapshots;

/// <summary>Tree encoding 2 (repository format 2): names and targets as bytes, every entry kind, xattrs, owner
/// names, hard-link keys and holes (docs/format.md, "Trees").</summary>
public static partial class TreeCodec
{
    [Flags]
    private enum EntryFlags : byte
    {
        None = 0,
        Owner = 1,
        Xattrs = 2,
        HardLink = 4,
        Holes = 8,
        All = Owner | Xattrs | HardLink | Holes,
    }

    public static byte[] Encode(Tree tree)
    {
        var output = new ArrayBufferWriter<byte>(64 + tree.Nodes.Count * 96);
        output.Write([Version]);
        Varint(output, (ulong)tree.Nodes.Count);
        foreach (var node in tree.Nodes) EncodeEntry(output, node);
        return output.WrittenSpan.ToArray();
    }

    private static void EncodeEntry(ArrayBufferWriter<byte> output, TreeNode node)
    {
        var flags = EntryFlags.None;
        if (node.UserName is not null || node.GroupName is not null) flags |= EntryFlags.Owner;
        if (node.Xattrs.Count > 0) flags |= EntryFlags.Xattrs;
        if (node.HardLink is not null && node.Type != NodeType.Directory) flags |= EntryFlags.HardLink;
        if (node.Holes.Count > 0 && node.Type == NodeType.File) flags |= EntryFlags.Holes;

        output.Write([(byte)node.Type]);
        Bytes(output, FileName.ToBytes(node.Name));
        Varint(output, node.Mode);
        Fixed64(output, (ulong)node.MtimeNs);
        Varint(output, node.Uid);
        Varint(output, node.Gid);
        Varint(output, (ulong)flags);
        if (flags.HasFlag(EntryFlags.Owner))
        {
            Bytes(output, FileName.ToBytes(node.UserName ?? ""));
            Bytes(output, FileName.ToBytes(node.GroupName ?? ""));
        }
        if (flags.HasFlag(EntryFlags.Xattrs))
        {
            Varint(output, (ulong)node.Xattrs.Count);
            foreach (var xattr in node.Xattrs) { Bytes(output, FileName.ToBytes(xattr.Name)); Bytes(output, xattr.Value); }
        }
        if (flags.HasFlag(EntryFlags.HardLink))
        {
            var link = node.HardLink!.Value;
            Fixed64(output, link.Device);
            Fixed64(output, link.Inode);
            Varint(output, link.Links);
        }
        switch (node.Type)
        {
            case NodeType.File:
                Varint(output, (ulong)node.Size);
                Fixed64(output, node.Inode);
                Fixed64(output, (ulong)node.CtimeNs);
                Varint(output, (ulong)node.Content.Count);
                foreach (var block in node.Content) Id(output, block);
                break;
            case NodeType.Directory:
                Id(output, node.Subtree);
                break;
            case NodeType.Symlink:
                Bytes(output, FileName.ToBytes(node.LinkTarget ?? ""));
                break;
            case NodeType.CharDevice or NodeType.BlockDevice:
                Fixed64(output, node.DeviceNumber);
                break;
        }
        if (flags.HasFlag(EntryFlags.Holes))
        {
            Varint(output, (ulong)node.Holes.Count);
            long end = 0;
            foreach (var hole in node.Holes)
            {
                Varint(output, (ulong)(hole.Offset - end));
                Varint(output, (ulong)hole.Length);
                end = hole.End;
            }
        }
    }

    private static void Varint(ArrayBufferWriter<byte> output, ulong value)
    {
        var span = output.GetSpan(10);
        int n = 0;
        while (value >= 0x80) { span[n++] = (byte)(value | 0x80); value >>= 7; }
        span[n++] = (byte)value;
        output.Advance(n);
    }

    private static void Id(ArrayBufferWriter<byte> output, BlockId id)
    {
        id.WriteTo(output.GetSpan(BlockId.Size));
        output.Advance(BlockId.Size);
    }

    private static void Fixed64(ArrayBufferWriter<byte> output, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    private static void Bytes(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        Varint(output, (ulong)bytes.Length);
        output.Write(bytes);
    }

    private static Tree DecodeVersion2(ReadOnlySpan<byte> data)
    {
        var reader = new SpanReader(data);
        reader.Byte();
        int count = reader.Count(data.Length);
        var nodes = new List<TreeNode>(count);
        ReadOnlySpan<byte> previous = default;
        for (int i = 0; i < count; i++)
        {
            var type = (NodeType)reader.Byte();
            var nameBytes = reader.Bytes(MaxNameBytes);
            ValidateNameBytes(nameBytes);
            if (i > 0 && previous.SequenceCompareTo(nameBytes) >= 0) throw new CorruptDataException("tree entries are not sorted and unique");
            previous = nameBytes;
            nodes.Add(DecodeEntry(ref reader, type, FileName.FromBytes(nameBytes), data.Length));
        }
        if (!reader.AtEnd) throw new CorruptDataException("tree has trailing bytes");
        return new Tree(nodes);
    }

    private static TreeNode DecodeEntry(ref SpanReader reader, NodeType type, string name, int dataLength)
    {
        if (type is < NodeType.File or > NodeType.BlockDevice) throw new CorruptDataException($"tree entry '{FileName.Display(name)}' has unknown type {(byte)type}");
        uint mode = reader.UInt32Varint();
        if (mode > 0xFFF) throw new CorruptDataException($"tree entry '{FileName.Display(name)}' has an invalid mode");
        long mtime = reader.Int64();
        uint uid = reader.UInt32Varint(), gid = reader.UInt32Varint();
        ulong rawFlags = reader.Varint();
        if (rawFlags > (ulong)EntryFlags.All) throw new CorruptDataException($"tree entry '{FileName.Display(name)}' has unknown flags");
        var flags = (EntryFlags)rawFlags;
        string? user = null, group = null;
        if (flags.HasFlag(EntryFlags.Owner))
        {
            user = FileName.FromBytes(reader.Bytes(MaxNameBytes));
            group = FileName.FromBytes(reader.Bytes(MaxNameBytes));
        }
        IReadOnlyList<ExtendedAttribute> xattrs = flags.HasFlag(EntryFlags.Xattrs) ? DecodeXattrs(ref reader, name) : [];
        HardLinkKey? hardLink = null;
        if (flags.HasFlag(EntryFlags.HardLink))
        {
            if (type == NodeType.Directory) throw new CorruptDataException($"tree entry '{FileName.Display(name)}' is a directory with a hard-link key");
            hardLink = new HardLinkKey(reader.UInt64(), reader.UInt64(), reader.UInt32Varint());
        }
        var node = type switch
        {
            NodeType.File => DecodeFile(ref reader, name, mode, mtime, uid, gid, dataLength),
            NodeType.Directory => new TreeNode(name, type, mode, mtime, uid, gid, Subtree: reader.Id()),
            NodeType.Symlink => new TreeNode(name, type, mode, mtime, uid, gid, LinkTarget: Target(reader.Bytes(MaxTargetBytes), name)),
            NodeType.CharDevice or NodeType.BlockDevice => new TreeNode(name, type, mode, mtime, uid, gid) { DeviceNumber = reader.UInt64() },
            _ => new TreeNode(name, type, mode, mtime, uid, gid),
        };
        IReadOnlyList<FileHole> holes = [];
        if (flags.HasFlag(EntryFlags.Holes))
        {
            if (type != NodeType.File) throw new CorruptDataException($"tree entry '{FileName.Display(name)}' has holes but is not a file");
            holes = DecodeHoles(ref reader, name, node.Size);
        }
        if (type == NodeType.File && (node.Content.Count == 0 && holes.Count == 0) != (node.Size == 0))
            throw new CorruptDataException($"tree entry '{FileName.Display(name)}' has an inconsistent size");
        return node with { UserName = user, GroupName = group, Xattrs = xattrs, HardLink = hardLink, Holes = holes };
    }

    /// <summary>The file body, shared by both encodings: size, inode, ctime, block ids.</summary>
    private static TreeNode DecodeFile(ref SpanReader reader, string name, uint mode, long mtime, uint uid, uint gid, int dataLength)
    {
        long size = reader.Int64Varint();
        ulong inode = reader.UInt64();
        long ctime = reader.Int64();
        int blockCount = reader.Count(dataLength / BlockId.Size);
        var blocks = new BlockId[blockCount];
        for (int b = 0; b < blockCount; b++) blocks[b] = reader.Id();
        return new TreeNode(name, NodeType.File, mode, mtime, uid, gid, size, inode, ctime, blocks);
    }

    private static string Target(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.IsEmpty || bytes.IndexOf((byte)0) >= 0) throw new CorruptDataException($"tree entry '{FileName.Display(name)}' has an invalid link target");
        return FileName.FromBytes(bytes);
    }

    private static List<ExtendedAttribute> DecodeXattrs(ref SpanReader reader, string name)
    {
        int count = reader.Count(reader.Remaining / 2);
        if (count == 0) throw new CorruptDataException($"tree entry '{FileName.Display(name)}' has an empty attribute list");
        var xattrs = new List<ExtendedAttribute>(count);
        ReadOnlySpan<byte> previous = default;
        for (int i = 0; i < count; i++)
        {
            var attribute = reader.Bytes(MaxNameBytes);
            if (attribute.IsEmpty || attribute.IndexOf((byte)0) >= 0 || (i > 0 && previous.SequenceCompareTo(attribute) >= 0))
                throw new CorruptDataException($"tree entry '{FileName.Display(name)}' has invalid extended attributes");
            previous = attribute;
            xattrs.Add(new ExtendedAttribute(FileName.FromBytes(attribute), reader.Bytes(MaxXattrValueBytes).ToArray()));
        }
        return xattrs;
    }

    private static List<FileHole> DecodeHoles(ref SpanReader reader, string name, long size)
    {
        int count = reader.Count(reader.Remaining / 2);
        if (count == 0) throw new CorruptDataException($"tree entry '{FileName.Display(name)}' has an empty hole list");
        var holes = new List<FileHole>(count);
        long end = 0;
        for (int i = 0; i < count; i++)
        {
            long gap = reader.Int64Varint(), length = reader.Int64Varint();
            if ((i > 0 && gap == 0) || length == 0 || gap > size - end || length > size - end - gap)
                throw new CorruptDataException($"tree entry '{FileName.Display(name)}' has invalid holes");
            holes.Add(new FileHole(end + gap, length));
            end += gap + length;
        }
        return holes;
    }
}
