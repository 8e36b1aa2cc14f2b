using Dedup.Core;

namespace Dedup.Backup;

/// <summary>Stands in for the pack assembler in a dry run: answers "already stored?" from the repository and from
/// what this run has seen, and counts what would be added. Nothing is compressed, sealed or written.</summary>
internal sealed class DryRunSaver(Func<BlockId, bool> stored) : IBlockSaver
{
    // The walk saves from several lanes at once.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<BlockId, byte> _seen = new();
    private long _bytesAdded;

    /// <summary>Block bytes that would be added, before compression.</summary>
    public long BytesAdded => Interlocked.Read(ref _bytesAdded);

    public bool Contains(BlockId id) => _seen.ContainsKey(id) || stored(id);

    public ValueTask<bool> SaveAsync(BlockId id, byte[] buffer, int length, CancellationToken cancellationToken, BlobKind kind = BlobKind.Data)
    {
        Repository.PackAssembler.BlockBuffers.Return(buffer);
        if (stored(id) || !_seen.TryAdd(id, 0)) return ValueTask.FromResult(false);
        Interlocked.Add(ref _bytesAdded, length);
        return ValueTask.FromResult(true);
    }

    public ValueTask<int> SaveGroupAsync(IReadOnlyList<(BlockId Id, int Length)> members, byte[] buffer, CancellationToken cancellationToken)
    {
        Repository.PackAssembler.BlockBuffers.Return(buffer);
        int queued = 0;
        foreach (var (id, length) in members)
        {
            if (stored(id) || !_seen.TryAdd(id, 0)) continue;
            Interlocked.Add(ref _bytesAdded, length);
            queued++;
        }
        return ValueTask.FromResult(queued);
    }
}
