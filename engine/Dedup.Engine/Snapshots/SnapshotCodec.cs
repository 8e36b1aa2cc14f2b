using System.Text.Json;
using System.Text.Json.Serialization;
using Dedup.Core;

namespace Dedup.Snapshots;

/// <summary>A snapshot record as JSON (docs/format.md, "Catalog").</summary>
public static class SnapshotCodec
{
    internal sealed record Dto(
        string Id, DateTimeOffset Time, string Host, List<string> Paths, List<string> Tags, string Kind,
        string? Reference, string Root, SnapshotTotals Totals);

    public static byte[] Encode(Snapshot s) => JsonSerializer.SerializeToUtf8Bytes(
        new Dto(s.Id, s.Time, s.Host, [.. s.Paths], [.. s.Tags], s.Kind.ToString(), s.Reference, s.Root.ToString(), s.Totals), SnapshotJson.Default.Dto);

    public static Snapshot Decode(ReadOnlySpan<byte> json)
    {
        try
        {
            var d = JsonSerializer.Deserialize(json, SnapshotJson.Default.Dto) ?? throw new CorruptDataException("snapshot record is empty");
            // JSON may leave out any field: a record without one is damaged, not a null to trip over later.
            if (d.Id is null || d.Host is null || d.Paths is null || d.Tags is null || d.Kind is null || d.Root is null || d.Totals is null
                || d.Paths.Any(p => p is null) || d.Tags.Any(t => t is null))
                throw new CorruptDataException("snapshot record is damaged (a field is missing)");
            return new Snapshot(d.Id, d.Time, d.Host, d.Paths, d.Tags, Enum.Parse<SnapshotKind>(d.Kind), d.Reference, BlockId.Parse(d.Root), d.Totals);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
        {
            throw new CorruptDataException($"snapshot record is damaged ({e.Message})", e);
        }
    }
}

/// <summary>Snapshot and audit records read and written by code generated at build time: listing snapshots decodes
/// one record per snapshot, and the reflection-based serializer first spent tens of milliseconds building its
/// metadata. The audit record names every property itself, so the naming policy leaves it as it was.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SnapshotCodec.Dto))]
[JsonSerializable(typeof(AuditRecord))]
internal sealed partial class SnapshotJson : JsonSerializerContext;
