using Dedup.Core;
using Dedup.Packs;

namespace Dedup.Backup;

/// <summary>
/// Collects new small blocks in the order they come (a file's, or a repacked pack's) and hands them to the saver
/// as one group once the next one of the same size would not fit (ADR 0011). A group of one is saved as a plain
/// block. Not thread safe: one per file being read.
/// </summary>
public sealed class BlockGrouper(IBlockSaver saver) : IDisposable
{
    private readonly List<(BlockId Id, int Length)> _members = [];
    private readonly HashSet<BlockId> _ids = [];
    private byte[]? _buffer;
    private int _length, _lastLength;

    /// <summary>Whether a block of this length goes into groups at all.</summary>
    public static bool Takes(int length) => length < BlockGroup.MemberBelow;

    /// <summary>True when this group already holds the block (a file repeating a page).</summary>
    public bool Contains(BlockId id) => _ids.Contains(id);

    /// <summary>True when the group should go to the saver before the next block: one more of the size of the last would not fit.</summary>
    public bool Full => _members.Count > 0 && (_length + _lastLength > BlockGroup.MaxPayload || _members.Count == BlockGroup.MaxMembers);

    /// <summary>Copies the block in; false (nothing copied) when it does not fit, and the caller saves it alone.</summary>
    public bool TryAdd(BlockId id, ReadOnlySpan<byte> bytes)
    {
        if (!Takes(bytes.Length) || _length + bytes.Length > BlockGroup.MaxPayload || _members.Count == BlockGroup.MaxMembers) return false;
        _buffer ??= Repository.PackAssembler.BlockBuffers.Rent(BlockGroup.MaxPayload);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _members.Add((id, bytes.Length));
        _ids.Add(id);
        _length += bytes.Length;
        _lastLength = bytes.Length;
        return true;
    }

    /// <summary>Hands what was collected to the saver (which takes the buffer) and starts an empty group.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_members.Count == 0) return;
        var members = _members.ToList();
        _members.Clear();
        _ids.Clear();
        _length = _lastLength = 0;
        if (members.Count == 1)
        {
            // A lone block leaves in a buffer of its own size, and this one stays for the next group: handing over
            // 256 KiB per small file (a directory of one file, a file read alone) made the pool allocate one each time.
            var (id, length) = members[0];
            var copy = Repository.PackAssembler.BlockBuffers.Rent(length);
            _buffer.AsSpan(0, length).CopyTo(copy);
            await saver.SaveAsync(id, copy, length, cancellationToken);
            return;
        }
        var buffer = _buffer!;
        _buffer = null;
        await saver.SaveGroupAsync(members, buffer, cancellationToken);
    }

    /// <summary>Drops what was not flushed (the backup stopped midway).</summary>
    public void Dispose()
    {
        if (_buffer is not null) Repository.PackAssembler.BlockBuffers.Return(_buffer);
        _buffer = null;
    }
}
