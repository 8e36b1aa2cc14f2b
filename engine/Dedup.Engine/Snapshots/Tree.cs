using Dedup.Native;

namespace Dedup.Snapshots;

/// <summary>The entries of one directory, sorted by the bytes of their names.</summary>
public sealed class Tree
{
    public static readonly IComparer<string> NameOrder = Comparer<string>.Create(CompareNames);

    public Tree(IEnumerable<TreeNode> nodes, byte encoding = TreeCodec.Version)
    {
        var list = nodes.ToList();
        list.Sort((a, b) => CompareNames(a.Name, b.Name));
        Nodes = list;
        Encoding = encoding;
    }

    public IReadOnlyList<TreeNode> Nodes { get; }

    /// <summary>The encoding it was read from: an encoding-1 tree never recorded attributes, so its entries say
    /// nothing about them.</summary>
    public byte Encoding { get; }

    public TreeNode? Find(string name)
    {
        int lo = 0, hi = Nodes.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = CompareNames(Nodes[mid].Name, name);
            if (c == 0) return Nodes[mid];
            if (c < 0) lo = mid + 1; else hi = mid - 1;
        }
        return null;
    }

    /// <summary>The order of the names' file-system bytes (UTF-16 order differs above U+D7FF, and escaped bytes are
    /// surrogates): the format promises byte order.</summary>
    public static int CompareNames(string a, string b) => FileName.Compare(a, b);
}
