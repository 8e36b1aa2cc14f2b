using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dedup.Cli;

public static class Format
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string ToJson(object value) => JsonSerializer.Serialize(value, JsonOptions);

    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.00} {units[unit]}");
    }

    public static string Time(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan span) =>
        span.TotalHours >= 1 ? span.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : span.ToString(@"m\:ss\.ff", CultureInfo.InvariantCulture);

    public static string Mode(Dedup.Snapshots.TreeNode node)
    {
        char type = node.Type switch { Dedup.Snapshots.NodeType.Directory => 'd', Dedup.Snapshots.NodeType.Symlink => 'l', _ => '-' };
        var chars = new char[10];
        chars[0] = type;
        const string rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) chars[i + 1] = (node.Mode & (1u << (8 - i))) != 0 ? rwx[i] : '-';
        return new string(chars);
    }

    public static DateTimeOffset FromNs(long ns) => DateTimeOffset.FromUnixTimeMilliseconds(0).AddTicks(ns / 100);
}
