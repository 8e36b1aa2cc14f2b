using System.Text;
using Dedup.Core;

namespace Dedup.Snapshots;

/// <summary>Tree encoding 1 (repository format 1): UTF-8 names, files, directories and symlinks only. Read, never written.</summary>
public static partial class TreeCodec
{
    private const int Version1MaxNameBytes = 4096;
    private const int Version1MaxTargetBytes = 64 * 1024;

    private static Tree DecodeVersion1(ReadOnlySpan<byte> data)
    {
        var reader = new SpanReader(data);
        reader.Byte();
        int count = reader.Count(data.Length);
        var nodes = new List<TreeNode>(count);
        string? previous = null;
        for (int i = 0; i < count; i++)
        {
            var type = (NodeType)reader.Byte();
            string name = Utf8(reader.Bytes(Version1MaxNameBytes));
            if (name.Length == 0 || name == "." || name == ".." || name.Contains('/') || name.Contains('\0'))
                throw new CorruptDataException($"tree holds an invalid file name '{name}'");
            if (previous is not null && Tree.CompareNames(previous, name) >= 0)
                throw new CorruptDataException("tree entries are not sorted and unique");
            previous = name;
            uint mode = reader.UInt32();
            if (mode > 0xFFF) throw new CorruptDataException($"tree entry '{name}' has an invalid mode");
            long mtime = reader.Int64();
            uint uid = reader.UInt32(), gid = reader.UInt32();
            nodes.Add(type switch
            {
                NodeType.File => Version1File(DecodeFile(ref reader, name, mode, mtime, uid, gid, data.Length)),
                NodeType.Directory => new TreeNode(name, type, mode, mtime, uid, gid, Subtree: reader.Id()),
                NodeType.Symlink => new TreeNode(name, type, mode, mtime, uid, gid, LinkTarget: Utf8(reader.Bytes(Version1MaxTargetBytes))),
                _ => throw new CorruptDataException($"tree entry '{name}' has unknown type {(byte)type}"),
            });
        }
        if (!reader.AtEnd) throw new CorruptDataException("tree has trailing bytes");
        return new Tree(nodes, encoding: 1);
    }

    /// <summary>A file body is the same in both encodings; encoding 1 has no holes, so size 0 ⇔ no blocks.</summary>
    private static TreeNode Version1File(TreeNode file)
    {
        if ((file.Content.Count == 0) != (file.Size == 0)) throw new CorruptDataException($"tree entry '{file.Name}' has an inconsistent size");
        return file;
    }

    private static string Utf8(ReadOnlySpan<byte> bytes)
    {
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException e) { throw new CorruptDataException("tree holds a name that is not UTF-8", e); }
    }
}
