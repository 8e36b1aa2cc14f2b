using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dedup.Core;

namespace Dedup.Crypto;

/// <summary>
/// One password's copy of the master key: keys/&lt;id&gt;.json. The master key is sealed (AES-256-GCM) under a key
/// derived from the password with Argon2id; the KDF parameters and salt are stored beside it. The seal's
/// associated data binds it to the repository and the key id. <see cref="Check"/> (SHA-256 of the other fields)
/// tells a damaged file apart from a wrong password.
/// </summary>
public sealed record KeyFile
{
    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("created")] public DateTimeOffset Created { get; init; }
    [JsonPropertyName("host")] public string Host { get; init; } = "";
    [JsonPropertyName("user")] public string User { get; init; } = "";
    [JsonPropertyName("kdf")] public string Kdf { get; init; } = "argon2id";
    [JsonPropertyName("memory_kib")] public int MemoryKib { get; init; }
    [JsonPropertyName("iterations")] public int Iterations { get; init; }
    [JsonPropertyName("parallelism")] public int Parallelism { get; init; }
    [JsonPropertyName("salt")] public string Salt { get; init; } = "";
    [JsonPropertyName("wrapped")] public string Wrapped { get; init; } = "";
    [JsonPropertyName("check")] public string Check { get; init; } = "";

    [JsonIgnore] public KdfParameters Parameters => new(MemoryKib, Iterations, Parallelism);

    public static KeyFile Create(MasterKey master, string password, KdfParameters kdf, string repositoryId, DateTimeOffset now)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var kek = kdf.Derive(password, salt);
        var plain = master.Serialize();
        var wrapped = new byte[plain.Length + 28];
        new AesGcmSealer(kek).Seal(AssociatedData(repositoryId, id), plain, wrapped);
        var file = new KeyFile
        {
            Id = id,
            Created = now,
            Host = Environment.MachineName,
            User = Environment.UserName,
            MemoryKib = kdf.MemoryKib,
            Iterations = kdf.Iterations,
            Parallelism = kdf.Parallelism,
            Salt = Convert.ToBase64String(salt),
            Wrapped = Convert.ToBase64String(wrapped),
        };
        return file with { Check = file.ComputeCheck() };
    }

    /// <summary>The master key, or null when <paramref name="password"/> is not this key's.</summary>
    public MasterKey? TryOpen(string password, string repositoryId)
    {
        Validate();
        var kek = Parameters.Derive(password, Convert.FromBase64String(Salt));
        var wrapped = Convert.FromBase64String(Wrapped);
        var plain = new byte[wrapped.Length];
        try
        {
            int n = new AesGcmSealer(kek).Open(AssociatedData(repositoryId, Id), wrapped, plain);
            return MasterKey.Parse(plain.AsSpan(0, n));
        }
        catch (CorruptDataException)
        {
            return null; // the check passed, so the file is intact: the password is wrong
        }
    }

    /// <summary>Throws <see cref="CorruptDataException"/> unless the file is as written.</summary>
    public void Validate()
    {
        if (Version != 1 || Kdf != "argon2id" || Check != ComputeCheck())
            throw new CorruptDataException($"key file {Id} is damaged (its check does not match)");
        Parameters.Validate();
        try { _ = Convert.FromBase64String(Salt); _ = Convert.FromBase64String(Wrapped); }
        catch (FormatException) { throw new CorruptDataException($"key file {Id} is damaged"); }
    }

    private string ComputeCheck() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        $"{Version}|{Id}|{Kdf}|{MemoryKib}|{Iterations}|{Parallelism}|{Salt}|{Wrapped}")));

    private static byte[] AssociatedData(string repositoryId, string keyId) => Encoding.UTF8.GetBytes($"dedup key v1|{repositoryId}|{keyId}");

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, KeyFileJson.Default.KeyFile);

    public static KeyFile Parse(byte[] json, string name)
    {
        try { return JsonSerializer.Deserialize(json, KeyFileJson.Default.KeyFile) ?? throw new CorruptDataException($"key file {name} is empty"); }
        catch (JsonException) { throw new CorruptDataException($"key file {name} is damaged (not valid JSON)"); }
    }
}

/// <summary>Key files read and written by code generated at build time, not by reflection (start-up of every
/// command on an encrypted repository).</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(KeyFile))]
internal sealed partial class KeyFileJson : JsonSerializerContext;
