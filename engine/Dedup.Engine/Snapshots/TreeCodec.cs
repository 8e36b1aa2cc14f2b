using System.Buffers.Binary;
using System.Text;
using Dedup.Core;

namespace Dedup.Snapshots;

/// <summary>
/// The binary form of a <see cref="Tree"/> (docs/format.md, "Trees"). A tree's id is the SHA-256 of these bytes,
/// so encoding must be canonical: one tree, one byte string.
/// </summary>
public static class TreeCodec
{
    public const byte Version = 1;
    private const int MaxNameBytes = 4096;
    private const int MaxTargetBytes = 64 * 1024;

    public static byte[] Encode(Tree tree)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        writer.Write(Version);
        writer.Write7BitEncodedInt(tree.Nodes.Count);
        Span<byte> id = stackalloc byte[BlockId.Size];
        foreach (var node in tree.Nodes)
        {
            writer.Write((byte)node.Type);
            WriteString(writer, node.Name);
            writer.Write(node.Mode);
            writer.Write(node.MtimeNs);
            writer.Write(node.Uid);
            writer.Write(node.Gid);
            switch (node.Type)
            {
                case NodeType.File:
                    writer.Write7BitEncodedInt64(node.Size);
                    writer.Write(node.Inode);
                    writer.Write(node.CtimeNs);
                    writer.Write7BitEncodedInt(node.Content.Count);
                    foreach (var block in node.Content) { block.WriteTo(id); writer.Write(id); }
                    break;
                case NodeType.Directory:
                    node.Subtree.WriteTo(id);
                    writer.Write(id);
                    break;
                case NodeType.Symlink:
                    WriteString(writer, node.LinkTarget ?? "");
                    break;
            }
        }
        writer.Flush();
        return stream.ToArray();
    }

    private static void WriteString(BinaryWriter writer, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        writer.Write7BitEncodedInt(bytes.Length);
        writer.Write(bytes);
    }

    /// <summary>Decodes and validates a tree. Any deviation from what <see cref="Encode"/> writes, including a name that
    /// could escape a restore target ("", ".", "..", or one containing '/' or NUL), raises <see cref="CorruptDataException"/>.</summary>
    public static Tree Decode(ReadOnlySpan<byte> data)
    {
        var reader = new SpanReader(data);
        if (reader.Byte() != Version) throw new CorruptDataException("unknown tree version");
        int count = reader.Count(data.Length);
        var nodes = new List<TreeNode>(count);
        string? previous = null;
        for (int i = 0; i < count; i++)
        {
            var type = (NodeType)reader.Byte();
            string name = reader.String(MaxNameBytes);
            ValidateName(name);
            if (previous is not null && Tree.CompareNames(previous, name) >= 0)
                throw new CorruptDataException("tree entries are not sorted and unique");
            previous = name;
            uint mode = reader.UInt32();
            if (mode > 0xFFF) throw new CorruptDataException($"tree entry '{name}' has an invalid mode");
            long mtime = reader.Int64();
            uint uid = reader.UInt32(), gid = reader.UInt32();
            nodes.Add(type switch
            {
                NodeType.File => DecodeFile(ref reader, name, mode, mtime, uid, gid, data.Length),
                NodeType.Directory => new TreeNode(name, type, mode, mtime, uid, gid, Subtree: reader.Id()),
                NodeType.Symlink => new TreeNode(name, type, mode, mtime, uid, gid, LinkTarget: reader.String(MaxTargetBytes)),
                _ => throw new CorruptDataException($"tree entry '{name}' has unknown type {(byte)type}"),
            });
        }
        if (!reader.AtEnd) throw new CorruptDataException("tree has trailing bytes");
        return new Tree(nodes);
    }

    private static TreeNode DecodeFile(ref SpanReader reader, string name, uint mode, long mtime, uint uid, uint gid, int dataLength)
    {
        long size = reader.Int64Varint();
        ulong inode = reader.UInt64();
        long ctime = reader.Int64();
        int blockCount = reader.Count(dataLength / BlockId.Size);
        var blocks = new BlockId[blockCount];
        for (int b = 0; b < blockCount; b++) blocks[b] = reader.Id();
        if (size < 0 || (blockCount == 0) != (size == 0)) throw new CorruptDataException($"tree entry '{name}' has an inconsistent size");
        return new TreeNode(name, NodeType.File, mode, mtime, uid, gid, size, inode, ctime, blocks);
    }

    public static void ValidateName(string name)
    {
        if (name.Length == 0 || name == "." || name == ".." || name.Contains('/') || name.Contains('\0'))
            throw new CorruptDataException($"tree holds an invalid file name '{name}'");
    }

    /// <summary>A bounds-checked cursor: reading past the end is corruption, not an exception of another kind.</summary>
    private ref struct SpanReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;

        public readonly bool AtEnd => _pos == _data.Length;

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || n > _data.Length - _pos) throw new CorruptDataException("tree is truncated");
            var span = _data.Slice(_pos, n);
            _pos += n;
            return span;
        }

        public byte Byte() => Take(1)[0];
        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
        public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        public BlockId Id() => BlockId.Read(Take(BlockId.Size));

        public long Int64Varint()
        {
            ulong result = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                byte b = Byte();
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return (long)result;
            }
            throw new CorruptDataException("tree holds a malformed number");
        }

        public int Count(int max)
        {
            long value = Int64Varint();
            if (value < 0 || value > max) throw new CorruptDataException("tree holds an impossible count");
            return (int)value;
        }

        public string String(int maxBytes)
        {
            int length = Count(maxBytes);
            try { return new UTF8Encoding(false, true).GetString(Take(length)); }
            catch (DecoderFallbackException e) { throw new CorruptDataException("tree holds a name that is not UTF-8", e); }
        }
    }
}
