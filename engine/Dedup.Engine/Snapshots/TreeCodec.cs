using System.Buffers.Binary;
using Dedup.Core;
using Dedup.Native;

namespace Dedup.Snapshots;

/// <summary>
/// The binary form of a <see cref="Tree"/> (docs/format.md, "Trees"). A tree's id is the hash of these bytes, so
/// encoding must be canonical: one tree, one byte string. Writes encoding 2; reads 1 and 2.
/// </summary>
public static partial class TreeCodec
{
    public const byte Version = 2;
    public const int MaxNameBytes = 255;
    public const int MaxTargetBytes = 4095;
    public const int MaxXattrValueBytes = 64 * 1024;

    /// <summary>Decodes and validates a tree. Any deviation from what <see cref="Encode"/> writes, including a name that
    /// could escape a restore target ("", ".", "..", or one containing '/' or NUL), raises <see cref="CorruptDataException"/>.</summary>
    public static Tree Decode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) throw new CorruptDataException("tree is truncated");
        return data[0] switch
        {
            1 => DecodeVersion1(data),
            2 => DecodeVersion2(data),
            _ => throw new CorruptDataException("unknown tree version"),
        };
    }

    /// <summary>A name a directory can hold: 1–255 bytes, no '/' or NUL, not "." or "..". Throws <see cref="CorruptDataException"/>.</summary>
    public static void ValidateName(string name)
    {
        if (name.Length == 0 || name == "." || name == ".." || name.Contains('/') || name.Contains('\0'))
            throw new CorruptDataException($"tree holds an invalid file name '{FileName.Display(name)}'");
        // Every char is at least one byte: a longer string cannot fit, and a shorter one is counted on the stack
        // (restore planning checks each component of every path).
        if (name.Length > MaxNameBytes) throw new CorruptDataException($"tree holds a file name longer than {MaxNameBytes} bytes");
        int bytes;
        try { bytes = FileName.GetBytes(name, stackalloc byte[MaxNameBytes * FileName.MaxBytesPerChar]); }
        catch (ArgumentException) { throw new CorruptDataException($"tree holds an invalid file name '{FileName.Display(name)}'"); }
        if (bytes > MaxNameBytes) throw new CorruptDataException($"tree holds a file name longer than {MaxNameBytes} bytes");
    }

    private static void ValidateNameBytes(ReadOnlySpan<byte> name)
    {
        if (name.Length is 0 or > MaxNameBytes || name.SequenceEqual("."u8) || name.SequenceEqual(".."u8)
            || name.IndexOfAny((byte)'/', (byte)0) >= 0)
            throw new CorruptDataException($"tree holds an invalid file name '{FileName.Display(FileName.FromBytes(name))}'");
    }

    /// <summary>A bounds-checked cursor: reading past the end is corruption, not an exception of another kind.</summary>
    private ref struct SpanReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;

        public readonly bool AtEnd => _pos == _data.Length;
        public readonly int Remaining => _data.Length - _pos;

        public ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || n > _data.Length - _pos) throw new CorruptDataException("tree is truncated");
            var span = _data.Slice(_pos, n);
            _pos += n;
            return span;
        }

        public byte Byte() => Take(1)[0];
        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
        public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        public BlockId Id() => BlockId.Read(Take(BlockId.Size));

        public ulong Varint()
        {
            ulong result = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                byte b = Byte();
                if (shift == 63 && b > 1) break;
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    // Canonical: no trailing zero groups (0x80 0x00 would be a second spelling of 0).
                    if (b == 0 && shift > 0) throw new CorruptDataException("tree holds a malformed number");
                    return result;
                }
            }
            throw new CorruptDataException("tree holds a malformed number");
        }

        public long Int64Varint()
        {
            ulong value = Varint();
            if (value > long.MaxValue) throw new CorruptDataException("tree holds an impossible number");
            return (long)value;
        }

        public uint UInt32Varint()
        {
            ulong value = Varint();
            if (value > uint.MaxValue) throw new CorruptDataException("tree holds an impossible number");
            return (uint)value;
        }

        public int Count(int max)
        {
            ulong value = Varint();
            if (value > (ulong)max) throw new CorruptDataException("tree holds an impossible count");
            return (int)value;
        }

        public ReadOnlySpan<byte> Bytes(int maxBytes) => Take(Count(Math.Min(maxBytes, Remaining)));
    }
}
