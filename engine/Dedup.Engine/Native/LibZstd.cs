using System.Runtime.InteropServices;

namespace Dedup.Native;

/// <summary>
/// The system's libzstd, when present. ZstdSharp (the managed port) runs at a half to a fifth of its speed
/// here, and compression is the slowest stage of a backup; both write the same frame format.
/// </summary>
internal static unsafe class LibZstd
{
    private static readonly delegate* unmanaged<nint> s_createCCtx, s_createDCtx;
    private static readonly delegate* unmanaged<nint, byte*, nuint, byte*, nuint, int, nuint> s_compress;
    private static readonly delegate* unmanaged<nint, byte*, nuint, byte*, nuint, nuint> s_decompress;
    private static readonly delegate* unmanaged<nuint, uint> s_isError;

    // One context per thread, made once: ZSTD_compress without a context mallocs and frees several MiB per
    // call, which glibc keeps in per-thread arenas; the process then holds tens of MiB it does not use.
    // Threads here are pool threads that live as long as the process, so the contexts are never freed.
    [ThreadStatic] private static nint t_cctx;
    [ThreadStatic] private static nint t_dctx;

    public static bool IsAvailable { get; }

    static LibZstd()
    {
        if (Environment.GetEnvironmentVariable("DEDUP_MANAGED_ZSTD") == "1") return;
        if (!NativeLibrary.TryLoad("libzstd.so.1", out var lib) && !NativeLibrary.TryLoad("libzstd", out lib)) return;
        if (!NativeLibrary.TryGetExport(lib, "ZSTD_compressCCtx", out var compress)
            || !NativeLibrary.TryGetExport(lib, "ZSTD_decompressDCtx", out var decompress)
            || !NativeLibrary.TryGetExport(lib, "ZSTD_createCCtx", out var createCCtx)
            || !NativeLibrary.TryGetExport(lib, "ZSTD_createDCtx", out var createDCtx)
            || !NativeLibrary.TryGetExport(lib, "ZSTD_isError", out var isError)) return;
        s_compress = (delegate* unmanaged<nint, byte*, nuint, byte*, nuint, int, nuint>)compress;
        s_decompress = (delegate* unmanaged<nint, byte*, nuint, byte*, nuint, nuint>)decompress;
        s_createCCtx = (delegate* unmanaged<nint>)createCCtx;
        s_createDCtx = (delegate* unmanaged<nint>)createDCtx;
        s_isError = (delegate* unmanaged<nuint, uint>)isError;
        IsAvailable = true;
    }

    /// <summary>Compressed length, or -1 when it does not fit <paramref name="destination"/>.</summary>
    public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination, int level)
    {
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            if (t_cctx == 0) t_cctx = s_createCCtx();
            nuint n = s_compress(t_cctx, dst, (nuint)destination.Length, src, (nuint)source.Length, level);
            return s_isError(n) != 0 ? -1 : (int)n;
        }
    }

    /// <summary>Decompressed length, or -1 on a malformed frame or a wrong size.</summary>
    public static int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            if (t_dctx == 0) t_dctx = s_createDCtx();
            nuint n = s_decompress(t_dctx, dst, (nuint)destination.Length, src, (nuint)source.Length);
            return s_isError(n) != 0 ? -1 : (int)n;
        }
    }
}
