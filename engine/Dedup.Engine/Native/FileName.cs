using System.Buffers;
using System.Diagnostics;
using System.Text.Unicode;

namespace Dedup.Native;

/// <summary>
/// Linux file names are bytes, .NET strings are UTF-16: this maps one to the other without loss, as Python's
/// "surrogateescape" does. Valid UTF-8 decodes as usual; every byte that is not part of a valid sequence (overlong
/// forms, encoded surrogates, code points past U+10FFFF, truncated sequences, stray continuation bytes) becomes the
/// lone low surrogate U+DC00 + byte, which lies in U+DC80..U+DCFF because only bytes 0x80..0xFF can be invalid.
/// Such a string is called escaped. Encoding turns those surrogates back into their bytes, so
/// ToBytes(FromBytes(b)) == b for any bytes, and FromBytes(ToBytes(s)) == s for any s that FromBytes made.
/// (An arbitrary string need not survive: "\uDCC3\uDCA9" encodes to C3 A9, which decodes as "é".)
/// </summary>
public static partial class FileName
{
    /// <summary>UTF-16 to UTF-8 never needs more than three bytes per char (a surrogate pair: four for two).</summary>
    public const int MaxBytesPerChar = 3;

    private const int EscapeBase = 0xDC00;
    private const char FirstEscape = '\uDC80', LastEscape = '\uDCFF';
    private const int StackChars = 256;

    /// <summary>True for the chars that stand for one undecodable byte.</summary>
    public static bool IsEscape(char c) => c is >= FirstEscape and <= LastEscape;

    public static string FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return "";
        // UTF-8 never decodes to more UTF-16 chars than it has bytes, and an escape is one char for one byte.
        char[]? rented = null;
        Span<char> chars = bytes.Length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(bytes.Length));
        try
        {
            return new string(chars[..Decode(bytes, chars)]);
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    private static int Decode(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        int total = 0;
        while (true)
        {
            // The BCL's decoder is strict (it refuses overlongs, surrogates, > U+10FFFF) and stops at the first byte
            // that does not start a valid sequence; that byte is escaped alone and decoding resumes right after it.
            // Escaping byte by byte gives what Python gives for the maximal invalid subpart, since no byte inside
            // such a subpart can start a valid sequence.
            var status = Utf8.ToUtf16(bytes, chars[total..], out int read, out int written, replaceInvalidSequences: false, isFinalBlock: true);
            total += written;
            if (status == OperationStatus.Done) return total;
            Debug.Assert(status == OperationStatus.InvalidData);
            chars[total++] = (char)(EscapeBase + bytes[read]);
            bytes = bytes[(read + 1)..];
        }
    }

    public static byte[] ToBytes(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0) return [];
        byte[] buffer = ArrayPool<byte>.Shared.Rent(checked(name.Length * MaxBytesPerChar));
        try
        {
            return buffer.AsSpan(0, GetBytes(name, buffer)).ToArray();
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    /// <summary>
    /// Encodes into <paramref name="destination"/> and returns the byte count; <see cref="MaxBytesPerChar"/> times the
    /// length always fits. Throws <see cref="ArgumentException"/> for a lone surrogate that is not an escape: no bytes
    /// stand behind it.
    /// </summary>
    public static int GetBytes(ReadOnlySpan<char> name, Span<byte> destination)
    {
        int total = 0;
        int offset = 0;
        while (true)
        {
            var status = Utf8.FromUtf16(name[offset..], destination[total..], out int read, out int written, replaceInvalidSequences: false, isFinalBlock: true);
            total += written;
            offset += read;
            if (status == OperationStatus.Done) return total;
            if (status == OperationStatus.DestinationTooSmall) throw new ArgumentException("The destination is too small for the encoded name.", nameof(destination));
            char c = name[offset];
            if (!IsEscape(c))
                throw new ArgumentException($"Lone surrogate U+{(int)c:X4} at index {offset} is not an escaped byte (U+DC80..U+DCFF).", nameof(name));
            if (total == destination.Length) throw new ArgumentException("The destination is too small for the encoded name.", nameof(destination));
            destination[total++] = (byte)(c - EscapeBase);
            offset++;
        }
    }
}
