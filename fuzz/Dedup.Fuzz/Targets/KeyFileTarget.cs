using Dedup.Core;
using Dedup.Crypto;

namespace Dedup.Fuzz.Targets;

/// <summary>
/// Key files (<c>keys/*.json</c>) are the first thing a command reads: any input parses and opens with the seeds'
/// password, or is refused with CorruptDataException (a wrong password is null, not an exception). The seeds use the
/// smallest KDF cost the parser accepts, so a valid file is opened on every execution; the input is also tried as an
/// unwrapped master key.
/// </summary>
public static class KeyFileTarget
{
    public const string Password = "fuzz";
    public const string RepositoryId = "0123456789abcdef";

    public static void Fuzz(ReadOnlySpan<byte> data)
    {
        try
        {
            var file = KeyFile.Parse(data.ToArray(), "fuzz");
            if (file.Parameters.MemoryKib <= 64) file.TryOpen(Password, RepositoryId);
            else file.Validate();
        }
        catch (CorruptDataException) { }
        try { MasterKey.Parse(data); }
        catch (CorruptDataException) { }
    }

    public static void WriteSeeds(string corpus)
    {
        Directory.CreateDirectory(corpus);
        var cheapest = new KdfParameters(8, 1, 1);
        var file = KeyFile.Create(MasterKey.Generate(), Password, cheapest, RepositoryId, DateTimeOffset.UnixEpoch);
        File.WriteAllBytes(Path.Combine(corpus, "valid"), file.Serialize());
        File.WriteAllBytes(Path.Combine(corpus, "other-repository"), KeyFile.Create(MasterKey.Generate(), Password, cheapest, "fedcba9876543210", DateTimeOffset.UnixEpoch).Serialize());
        File.WriteAllBytes(Path.Combine(corpus, "master-key"), MasterKey.Generate().Serialize());
        File.WriteAllBytes(Path.Combine(corpus, "nulls"), """{"version":1,"id":null,"salt":null,"wrapped":null,"check":null,"memory_kib":8,"iterations":1,"parallelism":1}"""u8.ToArray());
    }
}
