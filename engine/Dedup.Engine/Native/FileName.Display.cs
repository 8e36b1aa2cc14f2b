using System.Globalization;
using System.Text;

namespace Dedup.Native;

public static partial class FileName
{
    /// <summary>
    /// The one human form of an escaped name, and reversible (<see cref="ParseDisplay"/>): each escaped byte as
    /// \xNN (lowercase hex), each backslash doubled, everything else as is. For messages, listings and command lines.
    /// </summary>
    public static string Display(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!name.Contains('\\') && !HasEscape(name)) return name;
        var text = new StringBuilder(name.Length + 8);
        foreach (char c in name)
        {
            if (c == '\\') text.Append(@"\\");
            else if (IsEscape(c)) text.Append(@"\x").Append(((int)c - EscapeBase).ToString("x2", CultureInfo.InvariantCulture));
            else text.Append(c);
        }
        return text.ToString();
    }

    private static bool HasEscape(string name) => name.AsSpan().IndexOfAnyInRange(FirstEscape, LastEscape) >= 0;

    /// <summary>
    /// The inverse of <see cref="Display"/>: \xNN with any two hex digits gives the byte (0x80..0xFF as its escape,
    /// 0x00..0x7F as the ASCII char), \\ gives one backslash, and a backslash before anything else stays as typed,
    /// so a hand-written Windows-looking path does not lose its backslashes.
    /// </summary>
    public static string ParseDisplay(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Contains('\\')) return text;
        var name = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\' && i + 1 < text.Length && text[i + 1] == '\\')
            {
                name.Append('\\');
                i++;
            }
            else if (c == '\\' && i + 3 < text.Length && text[i + 1] == 'x' && char.IsAsciiHexDigit(text[i + 2]) && char.IsAsciiHexDigit(text[i + 3]))
            {
                int value = int.Parse(text.AsSpan(i + 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                name.Append(value < 0x80 ? (char)value : (char)(EscapeBase + value));
                i += 3;
            }
            else name.Append(c);
        }
        return name.ToString();
    }
}
