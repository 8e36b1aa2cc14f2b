using System.Text.RegularExpressions;
using Dedup.Core;
using Dedup.Maintenance;
using Dedup.Plan;
using Tomlyn;
using Tomlyn.Model;

namespace Dedup.Cli.Policy;

/// <summary>The backup plan as a TOML file (docs/plan.md). Every mistake is reported as FILE:LINE: field: what is
/// wrong and what is allowed; unknown fields are mistakes too (a misspelt key must not silently do nothing).</summary>
public sealed partial class PolicyFile
{
    private readonly string _path;
    private readonly string[] _lines;

    private PolicyFile(string path, string text) => (_path, _lines) = (path, text.Split('\n'));

    public static (BackupPlan Plan, string? Repository) Load(string path)
    {
        if (!File.Exists(path)) throw new DedupException($"no policy file at {path} (pass --policy FILE; docs/plan.md has an example)");
        return Parse(File.ReadAllText(path), path);
    }

    public static (BackupPlan Plan, string? Repository) Parse(string text, string path)
    {
        var file = new PolicyFile(path, text);
        TomlTable root;
        try { root = TomlSerializer.Deserialize<TomlTable>(text, new TomlSerializerOptions { SourceName = path })!; }
        catch (TomlException e) { throw new DedupException($"{path}:{e.Line}: {Cause(e.Message)}"); }
        return file.Read(root);
    }

    /// <summary>Tomlyn's message without its own "file(line,col) : error :" prefix.</summary>
    private static string Cause(string message)
    {
        string first = message.Split('\n')[0].Trim();
        int at = first.IndexOf(": error :", StringComparison.Ordinal);
        return at >= 0 ? first[(at + 9)..].Trim() : first;
    }

    private (BackupPlan, string?) Read(TomlTable root)
    {
        Known(root, "", ["repository", "remote", "host", .. HookKeys, "schedule", "retention", "objectives", "set"]);
        string? repository = Optional<string>(root, "", "repository");
        var schedule = new Schedule();
        if (Optional<TomlTable>(root, "", "schedule") is { } s)
        {
            Known(s, "schedule", "differential_day", "weekly_day", "monthly_day", "sample_percent");
            schedule = new Schedule
            {
                DifferentialDay = Day(s, "schedule", "differential_day") ?? schedule.DifferentialDay,
                WeeklyDay = Day(s, "schedule", "weekly_day") ?? schedule.WeeklyDay,
                MonthlyDay = (int)(Range(s, "schedule", "monthly_day", 1, 28) ?? schedule.MonthlyDay),
                SamplePercent = Range(s, "schedule", "sample_percent", 1, 100) ?? schedule.SamplePercent,
            };
        }
        var retention = new BackupPlan { Sets = [] }.Retention;
        if (Optional<TomlTable>(root, "", "retention") is { } r)
        {
            Known(r, "retention", "keep_last", "keep_hourly", "keep_daily", "keep_weekly", "keep_monthly", "keep_yearly", "keep_tags");
            int Keep(string key) => (int)(Range(r, "retention", key, 0, 100_000) ?? 0);
            retention = new RetentionPolicy
            {
                Last = Keep("keep_last"), Hourly = Keep("keep_hourly"), Daily = Keep("keep_daily"), Weekly = Keep("keep_weekly"),
                Monthly = Keep("keep_monthly"), Yearly = Keep("keep_yearly"),
                Tags = Optional<TomlArray>(r, "retention", "keep_tags")?.Select(t => t?.ToString() ?? "").ToList() ?? [],
            };
            if (retention.IsEmpty) throw Error("retention", "keep_daily", "keeps nothing: give at least one keep_* (or remove [retention] for the defaults)");
        }
        var objectives = Enum.GetValues<Tier>().ToDictionary(t => t, Objectives.DefaultFor);
        if (Optional<TomlTable>(root, "", "objectives") is { } o)
        {
            Known(o, "objectives", "critical", "standard", "secondary");
            foreach (var tier in Enum.GetValues<Tier>())
            {
                string name = tier.ToString().ToLowerInvariant(), section = "objectives." + name;
                if (Optional<TomlTable>(o, "objectives", name) is not { } t) continue;
                Known(t, section, "rpo", "rto");
                objectives[tier] = new Objectives(Duration(t, section, "rpo") ?? objectives[tier].Rpo, Duration(t, section, "rto") ?? objectives[tier].Rto);
            }
        }
        var sets = new List<BackupSet>();
        if (!root.TryGetValue("set", out var setsValue) || setsValue is not TomlTableArray array || array.Count == 0)
            throw Error("", "set", "the plan has no [[set]]: each needs name, paths and tier (critical, standard, secondary)");
        int index = 0;
        foreach (var table in array)
        {
            string section = $"set[{index++}]";
            Known(table, section, ["name", "paths", "exclude", "tier", .. HookKeys, "pre_backup"]);
            string name = Required<string>(table, section, "name");
            if (!SetName().IsMatch(name)) throw Error(section, "name", $"'{name}' is not allowed (letters, digits, - and _)");
            if (sets.Any(x => x.Name == name)) throw Error(section, "name", $"'{name}' is used by an earlier set");
            var paths = Required<TomlArray>(table, section, "paths").Select(p => p?.ToString() ?? "").ToList();
            if (paths.Count == 0 || paths.Any(p => !Path.IsPathRooted(p))) throw Error(section, "paths", "must be a non-empty list of absolute paths");
            string tierText = Required<string>(table, section, "tier");
            if (!Enum.TryParse<Tier>(tierText, ignoreCase: true, out var tier) || tierText.Any(char.IsDigit))
                throw Error(section, "tier", $"'{tierText}' is not allowed (critical, standard, secondary)");
            // pre_backup is the older name of a set's before command.
            if (table.ContainsKey("pre_backup") && table.ContainsKey("before")) throw Error(section, "pre_backup", "is the older name of 'before': give one of them");
            var hooks = ReadHooks(table, section);
            if (Optional<string>(table, section, "pre_backup") is { } pre) hooks = hooks with { Before = pre };
            sets.Add(new BackupSet(name, paths, Optional<TomlArray>(table, section, "exclude")?.Select(e => e?.ToString() ?? "").ToList() ?? [], tier, hooks.Before)
            {
                Hooks = hooks,
            });
        }
        var plan = new BackupPlan
        {
            Sets = sets, Schedule = schedule, Retention = retention, Objectives = objectives,
            Remote = Optional<string>(root, "", "remote"),
            Host = Optional<string>(root, "", "host") ?? Environment.MachineName,
            Hooks = ReadHooks(root, ""),
        };
        return (plan, repository);
    }

    private static readonly string[] HookKeys = ["before", "after", "on_error", "ping_start", "ping_success", "ping_failure"];

    /// <summary>The hook commands and ping URLs of the plan (top level) or of a set.</summary>
    private Hooks ReadHooks(TomlTable table, string section) => new()
    {
        Before = Optional<string>(table, section, "before"),
        After = Optional<string>(table, section, "after"),
        OnError = Optional<string>(table, section, "on_error"),
        PingStart = Url(table, section, "ping_start"),
        PingSuccess = Url(table, section, "ping_success"),
        PingFailure = Url(table, section, "ping_failure"),
    };

    private string? Url(TomlTable table, string section, string key)
    {
        if (Optional<string>(table, section, key) is not { } text) return null;
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? text : throw Error(section, key, $"'{text}' is not a URL (allowed: http:// or https://)");
    }

    private void Known(TomlTable table, string section, params string[] keys)
    {
        foreach (var key in table.Keys)
            if (!keys.Contains(key)) throw Error(section, key, $"unknown field (allowed: {string.Join(", ", keys)})");
    }

    private T? Optional<T>(TomlTable table, string section, string key) where T : class
    {
        if (!table.TryGetValue(key, out var value)) return null;
        return value as T ?? throw Error(section, key, $"must be {TypeName(typeof(T))}, not {TypeName(value.GetType())}");
    }

    private T Required<T>(TomlTable table, string section, string key) where T : class =>
        Optional<T>(table, section, key) ?? throw Error(section, key, $"is required ({TypeName(typeof(T))})");

    private double? Range(TomlTable table, string section, string key, double min, double max)
    {
        if (!table.TryGetValue(key, out var value)) return null;
        double number = value switch { long l => l, double d => d, _ => throw Error(section, key, $"must be a number from {min} to {max}") };
        if (number < min || number > max) throw Error(section, key, $"{number} is out of range (allowed: {min} to {max})");
        return number;
    }

    private DayOfWeek? Day(TomlTable table, string section, string key)
    {
        if (Optional<string>(table, section, key) is not { } text) return null;
        return Enum.TryParse<DayOfWeek>(text, ignoreCase: true, out var day) && !text.Any(char.IsDigit)
            ? day : throw Error(section, key, $"'{text}' is not allowed (monday … sunday)");
    }

    private TimeSpan? Duration(TomlTable table, string section, string key)
    {
        if (Optional<string>(table, section, key) is not { } text) return null;
        try { return Durations.Parse(text); }
        catch (FormatException) { throw Error(section, key, $"'{text}' is not a duration (allowed: e.g. 30m, 4h, 7d)"); }
    }

    private static string TypeName(Type type) =>
        type == typeof(string) ? "a string" : type == typeof(TomlArray) ? "a list" : type == typeof(TomlTable) ? "a table" : type == typeof(long) ? "an integer" : type.Name;

    /// <summary>file:line: section.key: message — the line found by scanning for the key inside its table.</summary>
    private DedupException Error(string section, string key, string message)
    {
        string field = section.Length == 0 ? key : $"{section}.{key}";
        return new DedupException($"{_path}:{LineOf(section, key)}: {field}: {message}");
    }

    private int LineOf(string section, string key)
    {
        string current = "";
        int sets = -1, header = 1;
        for (int i = 0; i < _lines.Length; i++)
        {
            string line = _lines[i].Trim();
            if (line.StartsWith("[[set]]", StringComparison.Ordinal)) { current = $"set[{++sets}]"; if (current == section) header = i + 1; continue; }
            if (line.StartsWith('[')) { current = line.Trim('[', ']', ' '); if (current == section) header = i + 1; continue; }
            if (current == section && Regex.IsMatch(line, $"^\"?{Regex.Escape(key)}\"?\\s*="))
                return i + 1;
            if (section.Length == 0 && current.Length == 0 && line.StartsWith($"[[{key}]]", StringComparison.Ordinal)) return i + 1;
        }
        return header;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")] private static partial Regex SetName();
}
