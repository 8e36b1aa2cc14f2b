using System.Text;
using System.Text.RegularExpressions;
using Dedup.Native;

namespace Dedup.Backup.Selection;

/// <summary>
/// The list files of restic's backup options, read as bytes so a name that is not UTF-8 can be listed:
/// <list type="bullet">
/// <item>--exclude-file and --files-from: one entry per line, surrounding white space trimmed, empty lines and
/// lines starting with '#' skipped, $NAME and ${NAME} replaced by the environment variable ("$$" is a '$');</item>
/// <item>--files-from-verbatim: every non-empty line is a path, exactly;</item>
/// <item>--files-from-raw: paths separated by NUL bytes (find -print0).</item>
/// </list>
/// "-" reads standard input.
/// </summary>
public static partial class PatternLists
{
    public static IReadOnlyList<string> ReadPatterns(string file) => Lines(Read(file)).Select(Interpret).Where(l => l.Length > 0).ToList();

    public static IReadOnlyList<string> ReadVerbatim(string file) => Lines(Read(file)).Where(l => l.Length > 0).ToList();

    public static IReadOnlyList<string> ReadRaw(string file) => Split(Read(file), 0).Where(l => l.Length > 0).ToList();

    private static string Interpret(string line)
    {
        line = line.Trim();
        return line.StartsWith('#') ? "" : ExpandEnvironment(line);
    }

    public static string ExpandEnvironment(string text) => Variable().Replace(text, m =>
        m.Value == "$$" ? "$" : Environment.GetEnvironmentVariable(m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["bare"].Value) ?? "");

    [GeneratedRegex(@"\$\$|\$\{(?<braced>[^}]*)\}|\$(?<bare>[A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Variable();

    private static byte[] Read(string file)
    {
        try
        {
            if (file != "-") return File.ReadAllBytes(file);
            using var input = Console.OpenStandardInput();
            using var copy = new MemoryStream();
            input.CopyTo(copy);
            return copy.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Core.DedupException($"{file}: {e.Message}");
        }
    }

    private static IEnumerable<string> Lines(byte[] bytes) => Split(bytes, (byte)'\n');

    private static IEnumerable<string> Split(byte[] bytes, byte separator)
    {
        int start = 0;
        while (start < bytes.Length)
        {
            int end = Array.IndexOf(bytes, separator, start);
            if (end < 0) end = bytes.Length;
            yield return FileName.FromBytes(bytes.AsSpan(start, end - start));
            start = end + 1;
        }
    }
}
