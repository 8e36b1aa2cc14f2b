namespace Dedup.Native;

/// <summary>Escaped strings (<see cref="FileName"/>) as the NUL-terminated bytes libc takes.</summary>
internal static class NulTerminated
{
    /// <summary>What callers stackalloc for scratch: enough for any single name (NAME_MAX is 255 bytes).</summary>
    public const int ScratchSize = 1024;

    /// <summary>
    /// Encodes <paramref name="text"/> into <paramref name="scratch"/> when it fits (a name, a short path), else into a
    /// new array; the result ends with its NUL. An embedded NUL is refused: libc would silently cut the name there.
    /// </summary>
    public static Span<byte> Encode(string text, Span<byte> scratch)
    {
        if (text.Contains('\0')) throw new ArgumentException($"{FileName.Display(text)}: a file name cannot hold a NUL character", nameof(text));
        int max = checked(text.Length * FileName.MaxBytesPerChar + 1);
        Span<byte> buffer = max <= scratch.Length ? scratch : new byte[max];
        int length = FileName.GetBytes(text, buffer);
        buffer[length] = 0;
        return buffer[..(length + 1)];
    }
}
