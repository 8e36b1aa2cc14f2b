using System.Runtime.InteropServices;

namespace Dedup.Native;

/// <summary>
/// The system's libzstd, when present. ZstdSharp (the managed port) runs at a half to a fifth of its speed
/// here, and compression is the slowest stage of a backup; both write the same frame format.
/// </summary>
internal static unsafe class LibZstd
{
    private static readonly delegate* unmanaged<byte*, nuint, byte*, nuint, int, nuint> s_compress;
    private static readonly delegate* unmanaged<byte*, nuint, byte*, nuint, nuint> s_decompress;
    private static readonly delegate* unmanaged<nuint, uint> s_isError;

    public static bool IsAvailable { get; }

    static LibZstd()
    {
        if (Environment.GetEnvironmentVariable("DEDUP_MANAGED_ZSTD") == "1") return;
        if (!NativeLibrary.TryLoad("libzstd.so.1", out var lib) && !NativeLibrary.TryLoad("libzstd", out lib)) return;
        if (!NativeLibrary.TryGetExport(lib, "ZSTD_compress", out var compress)
            || !NativeLibrary.TryGetExport(lib, "ZSTD_decompress", out var decompress)
            || !NativeLibrary.TryGetExport(lib, "ZSTD_isError", out var isError)) return;
        s_compress = (delegate* unmanaged<byte*, nuint, byte*, nuint, int, nuint>)compress;
        s_decompress = (delegate* unmanaged<byte*, nuint, byte*, nuint, nuint>)decompress;
        s_isError = (delegate* unmanaged<nuint, uint>)isError;
        IsAvailable = true;
    }

    /// <summary>Compressed length, or -1 when it does not fit <paramref name="destination"/>.</summary>
    public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination, int level)
    {
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            nuint n = s_compress(dst, (nuint)destination.Length, src, (nuint)source.Length, level);
            return s_isError(n) != 0 ? -1 : (int)n;
        }
    }

    /// <summary>Decompressed length, or -1 on a malformed frame or a wrong size.</summary>
    public static int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            nuint n = s_decompress(dst, (nuint)destination.Length, src, (nuint)source.Length);
            return s_isError(n) != 0 ? -1 : (int)n;
        }
    }
}
