using System.Globalization;
using Dedup.Core;
using Dedup.Snapshots;
using LiteDB;

namespace Dedup.Catalog.LiteDb;

/// <summary>Snapshot ⇄ BSON by hand: times as ISO-8601 strings keep nanosecond-free full precision and the offset,
/// which LiteDB's DateTime mapping would round to milliseconds and shift to local time.</summary>
internal static class SnapshotDocument
{
    public static BsonDocument ToBson(Snapshot s) => new()
    {
        ["_id"] = s.Id,
        ["time"] = s.Time.ToString("o", CultureInfo.InvariantCulture),
        ["host"] = s.Host,
        ["paths"] = new BsonArray(s.Paths.Select(p => new BsonValue(p))),
        ["tags"] = new BsonArray(s.Tags.Select(t => new BsonValue(t))),
        ["kind"] = s.Kind.ToString(),
        ["reference"] = s.Reference is null ? BsonValue.Null : new BsonValue(s.Reference),
        ["root"] = s.Root.ToArray(),
        ["totals"] = new BsonDocument
        {
            ["files"] = s.Totals.Files,
            ["dirs"] = s.Totals.Directories,
            ["bytes"] = s.Totals.Bytes,
            ["files_new"] = s.Totals.FilesNew,
            ["files_changed"] = s.Totals.FilesChanged,
            ["files_unmodified"] = s.Totals.FilesUnmodified,
            ["bytes_read"] = s.Totals.BytesRead,
            ["bytes_added"] = s.Totals.BytesAdded,
            ["errors"] = s.Totals.Errors,
        },
    };

    public static Snapshot FromBson(BsonDocument d)
    {
        var t = d["totals"].AsDocument;
        return new Snapshot(
            d["_id"].AsString,
            DateTimeOffset.Parse(d["time"].AsString, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            d["host"].AsString,
            d["paths"].AsArray.Select(v => v.AsString).ToList(),
            d["tags"].AsArray.Select(v => v.AsString).ToList(),
            Enum.Parse<SnapshotKind>(d["kind"].AsString),
            d["reference"].IsNull ? null : d["reference"].AsString,
            BlockId.Read(d["root"].AsBinary),
            new SnapshotTotals
            {
                Files = t["files"].AsInt64,
                Directories = t["dirs"].AsInt64,
                Bytes = t["bytes"].AsInt64,
                FilesNew = t["files_new"].AsInt64,
                FilesChanged = t["files_changed"].AsInt64,
                FilesUnmodified = t["files_unmodified"].AsInt64,
                BytesRead = t["bytes_read"].AsInt64,
                BytesAdded = t["bytes_added"].AsInt64,
                Errors = t["errors"].AsInt64,
            });
    }
}
