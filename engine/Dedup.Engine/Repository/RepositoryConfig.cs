using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dedup.Chunking;
using Dedup.Core;

namespace Dedup.Repository;

/// <summary>The repository's fixed parameters, written once by init (config.json).</summary>
public sealed record RepositoryConfig
{
    public const int CurrentVersion = 2;
    /// <summary>The oldest version this dedup reads (and migrates); it writes only <see cref="CurrentVersion"/>.</summary>
    public const int OldestReadableVersion = 1;

    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("created")] public DateTimeOffset Created { get; init; }
    [JsonPropertyName("chunker_min")] public int ChunkerMin { get; init; }
    [JsonPropertyName("chunker_avg")] public int ChunkerAverage { get; init; }
    [JsonPropertyName("chunker_max")] public int ChunkerMax { get; init; }
    /// <summary>Seed of the gear table: chunk boundaries differ per repository.</summary>
    [JsonPropertyName("chunker_seed")] public string ChunkerSeed { get; init; } = "";
    [JsonPropertyName("pack_size")] public int PackSize { get; init; }
    /// <summary>"aes256-gcm" or "none". With encryption the chunker seed lives in the master key, not here.</summary>
    [JsonPropertyName("encryption")] public string Encryption { get; init; } = EncryptionNone;

    public const string EncryptionNone = "none", EncryptionAesGcm = "aes256-gcm";
    [JsonIgnore] public bool Encrypted => Encryption == EncryptionAesGcm;

    /// <summary>Format 2: trees are also blobs in packs and snapshot records are files (ADR 0005).</summary>
    [JsonIgnore] public bool IsCurrent => Version == CurrentVersion;

    [JsonIgnore] public ChunkerParameters Chunker => new(ChunkerMin, ChunkerAverage, ChunkerMax);

    public static RepositoryConfig CreateNew(ChunkerParameters chunker, int packSize, bool encrypted, DateTimeOffset now) => new()
    {
        Encryption = encrypted ? EncryptionAesGcm : EncryptionNone,
        Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
        Created = now,
        ChunkerMin = chunker.MinSize,
        ChunkerAverage = chunker.AverageSize,
        ChunkerMax = chunker.MaxSize,
        ChunkerSeed = encrypted ? "" : Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        PackSize = packSize,
    };

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, RepositoryConfigJson.Default.RepositoryConfig);

    public static RepositoryConfig Parse(byte[] json)
    {
        RepositoryConfig? config;
        try { config = JsonSerializer.Deserialize(json, RepositoryConfigJson.Default.RepositoryConfig); }
        catch (JsonException e) { throw new CorruptDataException($"config.json is damaged ({e.Message})", e); }
        if (config is null) throw new CorruptDataException("config.json is empty");
        if (config.Version is < OldestReadableVersion or > CurrentVersion)
            throw new DedupException($"repository format version {config.Version} is not supported by this dedup (it reads versions {OldestReadableVersion}–{CurrentVersion})");
        try
        {
            config.Chunker.Validate();
            if (config.Encryption is not (EncryptionNone or EncryptionAesGcm)) throw new FormatException($"unknown encryption '{config.Encryption}'");
            if ((!config.Encrypted && Convert.FromBase64String(config.ChunkerSeed).Length < 16) || config.PackSize < 64 * 1024) throw new FormatException("seed or pack size");
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new CorruptDataException($"config.json holds invalid parameters ({e.Message})", e);
        }
        return config;
    }
}

/// <summary>config.json's reader and writer, generated at build time: every command reads config.json first, and
/// the reflection-based serializer spent ~40 ms of each command's start-up building its metadata.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(RepositoryConfig))]
internal sealed partial class RepositoryConfigJson : JsonSerializerContext;
