using System.Text.Json;
using System.Text.Json.Serialization;
using Dedup.Core;

namespace Dedup.Snapshots;

/// <summary>One step the plan took (or a person ran): what, for which backup set, how it went, how long, how many
/// bytes. Drills also record the restore throughput they measured, which status turns into an RTO estimate.</summary>
public sealed record AuditRecord
{
    [JsonPropertyName("time")] public DateTimeOffset Time { get; init; }
    /// <summary>backup | push | check | drill | forget | prune | pre-backup | post-backup | on-error (the last three: hook commands)</summary>
    [JsonPropertyName("action")] public string Action { get; init; } = "";
    [JsonPropertyName("set")] public string? Set { get; init; }
    [JsonPropertyName("kind")] public string? Kind { get; init; }
    [JsonPropertyName("snapshot")] public string? Snapshot { get; init; }
    [JsonPropertyName("ok")] public bool Ok { get; init; }
    [JsonPropertyName("detail")] public string? Detail { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
    [JsonPropertyName("bytes")] public long Bytes { get; init; }

    public static byte[] Encode(AuditRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, SnapshotJson.Default.AuditRecord);

    public static AuditRecord Decode(byte[] json)
    {
        try { return JsonSerializer.Deserialize(json, SnapshotJson.Default.AuditRecord) ?? throw new CorruptDataException("audit record is empty"); }
        catch (JsonException e) { throw new CorruptDataException($"audit record is damaged ({e.Message})", e); }
    }
}
