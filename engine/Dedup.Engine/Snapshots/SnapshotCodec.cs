using System.Text.Json;
using Dedup.Core;

namespace Dedup.Snapshots;

/// <summary>A snapshot record as JSON (docs/format.md, "Catalog").</summary>
public static class SnapshotCodec
{
    private sealed record Dto(
        string Id, DateTimeOffset Time, string Host, List<string> Paths, List<string> Tags, string Kind,
        string? Reference, string Root, SnapshotTotals Totals);

    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static byte[] Encode(Snapshot s) => JsonSerializer.SerializeToUtf8Bytes(
        new Dto(s.Id, s.Time, s.Host, [.. s.Paths], [.. s.Tags], s.Kind.ToString(), s.Reference, s.Root.ToString(), s.Totals), Options);

    public static Snapshot Decode(ReadOnlySpan<byte> json)
    {
        try
        {
            var d = JsonSerializer.Deserialize<Dto>(json, Options) ?? throw new CorruptDataException("snapshot record is empty");
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
