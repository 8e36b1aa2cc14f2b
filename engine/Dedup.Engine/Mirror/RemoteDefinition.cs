using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Dedup.Core;
using Dedup.Storage;

namespace Dedup.Mirror;

/// <summary>Where a mirror lives: an S3-compatible endpoint, a bucket and a key prefix. Credentials are not part of
/// it: they come from the environment every time (DEDUP_S3_ACCESS_KEY / DEDUP_S3_SECRET_KEY).</summary>
public sealed partial record RemoteDefinition
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("endpoint")] public required string Endpoint { get; init; }
    [JsonPropertyName("bucket")] public required string Bucket { get; init; }
    [JsonPropertyName("prefix")] public string Prefix { get; init; } = "";
    [JsonPropertyName("region")] public string? Region { get; init; }

    /// <summary>The location as one string, the form <see cref="ParseLocation"/> reads: s3:http://host:port/bucket/prefix.</summary>
    [JsonIgnore] public string Location => $"s3:{Endpoint.TrimEnd('/')}/{Bucket}{(Prefix.Length > 0 ? "/" + Prefix : "")}";

    public static bool IsLocation(string text) => text.StartsWith("s3:", StringComparison.Ordinal);

    public static RemoteDefinition Create(string name, string endpoint, string bucket, string? prefix, string? region)
    {
        ValidateName(name);
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath.Trim('/').Length > 0)
            throw new DedupException($"endpoint must be http(s)://host[:port] without a path, not '{endpoint}'");
        if (!BucketName().IsMatch(bucket)) throw new DedupException($"'{bucket}' is not a valid bucket name (3-63 of a-z 0-9 . -)");
        string cleanPrefix = (prefix ?? "").Trim('/');
        if (cleanPrefix.Split('/').Any(p => p is "." or "..")) throw new DedupException($"prefix '{prefix}' may not contain . or .. parts");
        return new RemoteDefinition { Name = name, Endpoint = uri.GetLeftPart(UriPartial.Authority), Bucket = bucket, Prefix = cleanPrefix, Region = region };
    }

    /// <summary>Reads s3:http(s)://host[:port]/bucket[/prefix…].</summary>
    public static RemoteDefinition ParseLocation(string location, string name)
    {
        if (!IsLocation(location) || !Uri.TryCreate(location[3..], UriKind.Absolute, out var uri))
            throw new DedupException($"'{location}' is not a remote location (s3:http://host:port/bucket/prefix)");
        var parts = uri.AbsolutePath.Trim('/').Split('/', 2);
        if (parts[0].Length == 0) throw new DedupException($"'{location}' names no bucket (s3:http://host:port/bucket/prefix)");
        return Create(name, uri.GetLeftPart(UriPartial.Authority), parts[0], parts.Length > 1 ? parts[1] : "", null);
    }

    public static void ValidateName(string name)
    {
        if (!RemoteName().IsMatch(name)) throw new DedupException($"'{name}' is not a valid remote name (letters, digits, - and _)");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")] private static partial Regex BucketName();
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")] private static partial Regex RemoteName();
}

/// <summary>The remotes of a repository, kept in remotes.json beside config.json.</summary>
public sealed class RemoteRegistry(string path, string tempDirectory)
{
    public IReadOnlyList<RemoteDefinition> List()
    {
        if (!File.Exists(path)) return [];
        try { return JsonSerializer.Deserialize(File.ReadAllBytes(path), RemotesJson.Default.ListRemoteDefinition) ?? []; }
        catch (JsonException e) { throw new CorruptDataException($"remotes.json is damaged ({e.Message})", e); }
    }

    public void Add(RemoteDefinition remote)
    {
        var remotes = List();
        if (remotes.Any(r => r.Name == remote.Name)) throw new DedupException($"a remote named {remote.Name} already exists (see 'dedup remote list')");
        Save([.. remotes, remote]);
    }

    public void Remove(string name)
    {
        var remotes = List();
        if (remotes.All(r => r.Name != name)) throw new DedupException($"no remote named {name} (see 'dedup remote list')");
        Save(remotes.Where(r => r.Name != name).ToList());
    }

    /// <summary>The remote by name; with no name, the only remote there is.</summary>
    public RemoteDefinition Resolve(string? name)
    {
        var remotes = List();
        if (name is null)
        {
            return remotes.Count switch
            {
                1 => remotes[0],
                0 => throw new DedupException("this repository has no remote (add one with 'dedup remote add NAME --endpoint URL --bucket B')"),
                _ => throw new DedupException($"this repository has {remotes.Count} remotes: name one ({string.Join(", ", remotes.Select(r => r.Name))})"),
            };
        }
        return remotes.SingleOrDefault(r => r.Name == name)
            ?? throw new DedupException($"no remote named {name} (see 'dedup remote list', or give a location s3:http://host:port/bucket/prefix)");
    }

    private void Save(List<RemoteDefinition> remotes) =>
        DurableFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(remotes, RemotesJson.Default.ListRemoteDefinition), tempDirectory);
}

/// <summary>remotes.json read by build-time generated code: every command that may reach a mirror reads it.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(List<RemoteDefinition>))]
internal sealed partial class RemotesJson : JsonSerializerContext;
