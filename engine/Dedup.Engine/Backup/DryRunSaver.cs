using Dedup.Core;

namespace Dedup.Backup;

/// <summary>Stands in for the pack assembler in a dry run: answers "already stored?" from the repository and from
/// what this run has seen, and counts what would be added. Nothing is compressed, sealed or written.</summary>
internal sealed class DryRunSaver(Func<BlockId, bool> stored) : IBlockSaver
{
    private readonly HashSet<BlockId> _seen = [];

    /// <summary>Block bytes that would be added, before compression.</summary>
    public long BytesAdded { get; private set; }

    public bool Contains(BlockId id) => _seen.Contains(id) || stored(id);

    public ValueTask<bool> SaveAsync(BlockId id, byte[] buffer, int length, CancellationToken cancellationToken, BlobKind kind = BlobKind.Data)
    {
        Repository.PackAssembler.BlockBuffers.Return(buffer);
        if (Contains(id)) return ValueTask.FromResult(false);
        _seen.Add(id);
        BytesAdded += length;
        return ValueTask.FromResult(true);
    }
}
