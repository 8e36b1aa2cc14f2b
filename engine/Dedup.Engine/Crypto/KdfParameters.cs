using Dedup.Core;
using NSec.Cryptography;

namespace Dedup.Crypto;

/// <summary>Argon2id cost, stored in each key file and always read from there.</summary>
public sealed record KdfParameters(int MemoryKib, int Iterations, int Parallelism = 1)
{
    /// <summary>64 MiB, 3 passes: about 0.12 s here; the cost an attacker pays per guessed password.</summary>
    public static KdfParameters Default { get; } = new(64 * 1024, 3);

    public void Validate()
    {
        // libsodium's Argon2id runs one lane; the bounds keep a tampered key file from asking for absurd work.
        if (MemoryKib < 8 || MemoryKib > 4 * 1024 * 1024 || Iterations < 1 || Iterations > 64 || Parallelism != 1)
            throw new CorruptDataException($"key derivation parameters are out of range ({MemoryKib} KiB, {Iterations} passes, {Parallelism} lanes)");
    }

    public byte[] Derive(string password, ReadOnlySpan<byte> salt)
    {
        Validate();
        var argon = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
        {
            DegreeOfParallelism = Parallelism,
            MemorySize = MemoryKib,
            NumberOfPasses = Iterations,
        });
        return argon.DeriveBytes(password, salt, 32);
    }
}
