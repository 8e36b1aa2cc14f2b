using System.Globalization;

namespace Dedup.Cli;

public static class Durations
{
    /// <summary>"90s", "5m", "2h", "1d", or plain seconds.</summary>
    public static TimeSpan Parse(string text)
    {
        text = text.Trim();
        if (text.Length == 0) throw new FormatException("empty duration");
        char unit = text[^1];
        string number = char.IsDigit(unit) ? text : text[..^1];
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value < 0)
            throw new FormatException($"'{text}' is not a duration (use e.g. 30s, 5m, 2h)");
        return unit switch
        {
            's' or >= '0' and <= '9' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            'd' => TimeSpan.FromDays(value),
            _ => throw new FormatException($"'{text}' is not a duration (use e.g. 30s, 5m, 2h)"),
        };
    }
}
