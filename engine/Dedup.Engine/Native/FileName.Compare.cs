using System.Buffers;

namespace Dedup.Native;

public static partial class FileName
{
    /// <summary>
    /// Orders as the encoded bytes order (bytewise, a prefix first), which is the order a snapshot's tree must have
    /// to be the same whichever platform or string type wrote it. The sign alone carries meaning.
    /// </summary>
    public static int Compare(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        // Below U+D800 UTF-16 order is code point order is UTF-8 byte order, so the common prefix and a first
        // difference between two such chars decide without encoding. Surrogates (escapes and pairs) and U+E000 and
        // up do not keep that order: "\uFFFD" is EF BF BD but sorts after the pair D83D DE00, which is F0 9F 98 80.
        int common = Math.Min(a.Length, b.Length);
        int i = 0;
        while (i < common && a[i] == b[i] && a[i] < '\uD800') i++;
        if (i == common) return a.Length.CompareTo(b.Length);
        if (i < common && a[i] != b[i] && a[i] < '\uD800' && b[i] < '\uD800') return a[i] < b[i] ? -1 : 1;
        // a[i - 1] is below U+D800, so i never splits a surrogate pair: the suffixes encode on their own.
        return CompareEncoded(a.AsSpan(i), b.AsSpan(i));
    }

    private static int CompareEncoded(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(checked((a.Length + b.Length) * MaxBytesPerChar));
        try
        {
            var left = buffer.AsSpan(0, a.Length * MaxBytesPerChar);
            var right = buffer.AsSpan(left.Length, b.Length * MaxBytesPerChar);
            int order = left[..GetBytes(a, left)].SequenceCompareTo(right[..GetBytes(b, right)]);
            return Math.Sign(order);
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }
}
