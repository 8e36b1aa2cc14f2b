using System.Text;

namespace Dedup.Snapshots;

/// <summary>The entries of one directory, sorted by the UTF-8 bytes of their names.</summary>
public sealed class Tree
{
    public static readonly IComparer<string> NameOrder = Comparer<string>.Create(CompareNames);

    public Tree(IEnumerable<TreeNode> nodes)
    {
        var list = nodes.ToList();
        list.Sort((a, b) => CompareNames(a.Name, b.Name));
        Nodes = list;
    }

    public IReadOnlyList<TreeNode> Nodes { get; }

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

    public static int CompareNames(string a, string b)
    {
        // UTF-16 ordinal order differs from UTF-8 byte order above U+D7FF; the format promises byte order.
        int common = Math.Min(a.Length, b.Length);
        for (int i = 0; i < common; i++)
        {
            char x = a[i], y = b[i];
            if (x == y) continue;
            if (x < 0xD800 && y < 0xD800) return x - y;
            return Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));
        }
        return a.Length - b.Length;
    }
}
