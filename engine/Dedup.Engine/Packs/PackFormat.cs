namespace Dedup.Packs;

/// <summary>Constants of the pack file format; docs/format.md draws it byte by byte.</summary>
public static class PackFormat
{
    public const int HeaderSize = 16;
    public const int EntrySize = 52;
    public const int FooterSize = 24;
    public const ushort Version = 1;

    /// <summary>The header's scheme byte: how blobs and the trailer are protected. Only 0 (none) exists so far.</summary>
    public const byte SchemePlain = 0;

    /// <summary>No block is larger than this; a trailer claiming more is corrupt.</summary>
    public const int MaxBlockSize = 64 * 1024 * 1024;

    public static ReadOnlySpan<byte> HeaderMagic => "DDUPPACK"u8;
    public static ReadOnlySpan<byte> FooterMagic => "DDUPTAIL"u8;
}
