using System.Numerics;

namespace Dedup.Chunking;

/// <summary>Chunk size bounds, fixed per repository at init (see docs/adr/0001-chunk-sizes.md).</summary>
public sealed record ChunkerParameters(int MinSize, int AverageSize, int MaxSize)
{
    public static ChunkerParameters Default { get; } = new(128 * 1024, 512 * 1024, 2 * 1024 * 1024);

    public void Validate()
    {
        if (MinSize < 64 || !BitOperations.IsPow2(AverageSize) || MinSize >= AverageSize || AverageSize >= MaxSize)
            throw new ArgumentException($"chunk sizes must satisfy 64 <= min < avg < max and avg a power of two (got {MinSize}/{AverageSize}/{MaxSize})");
    }
}
