using System.Text;
using Dedup.Native;
using FsCheck;
using FsCheck.Fluent;

namespace Dedup.Tests.Native;

public class FileNameProperties
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(1000);

    // Sequences a decoder gets wrong: overlongs, encoded surrogates (ED A0..BF ..), past U+10FFFF, bytes that never
    // appear in UTF-8, truncated and stray continuation bytes, and the backslash texts Display must keep apart.
    private static readonly byte[][] Tricky =
    [
        [0xED, 0xB2, 0x80], [0xED, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80],
        [0xE0, 0x9F, 0xBF], [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
        [0xFE], [0xFF], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0x80], [0xBF], [0xEF, 0xBF, 0xBD], [0xEF, 0xBF, 0xBF],
        "\\"u8.ToArray(), "\\\\"u8.ToArray(), "\\x"u8.ToArray(), "\\xff"u8.ToArray(), "\\x7f"u8.ToArray(), "\\xc3"u8.ToArray(), "\\q"u8.ToArray(),
    ];

    private static readonly Gen<int> CodePoints = Gen.Frequency(
        (6, Gen.Choose(0x20, 0x7E)),
        (2, Gen.Choose(0x80, 0x7FF)),
        (2, Gen.Choose(0x800, 0xFFFF).Where(c => c is < 0xD800 or > 0xDFFF)),
        (2, Gen.Choose(0x10000, 0x10FFFF)));

    private static readonly Gen<byte[]> Encoded = CodePoints.Select(c => Encoding.UTF8.GetBytes(char.ConvertFromUtf32(c)));

    private static readonly Gen<byte[]> Fragments = Gen.Frequency(
        (6, Encoded),
        (2, Encoded.Where(b => b.Length > 1).SelectMany(b => Gen.Choose(1, b.Length - 1).Select(n => b[..n]))), // truncated
        (3, Gen.Choose(0x80, 0xFF).Select(b => new[] { (byte)b })),
        (1, Gen.Choose(0, 255).Select(b => new[] { (byte)b })),
        (3, Gen.Elements(Tricky)));

    private static readonly Gen<byte[]> NameBytes = Fragments.ListOf().Select(parts => parts.SelectMany(p => p).ToArray());

    private static readonly Arbitrary<byte[]> Names = Arb.From(NameBytes);

    private static readonly Arbitrary<byte[]> AnyBytes = Arb.From(Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf());

    [Fact]
    public void Bytes_survive_decoding_and_encoding() =>
        Prop.ForAll(Names, bytes => FileName.ToBytes(FileName.FromBytes(bytes)).AsSpan().SequenceEqual(bytes)).Check(Runs);

    [Fact]
    public void Arbitrary_bytes_survive_decoding_and_encoding() =>
        Prop.ForAll(AnyBytes, bytes => FileName.ToBytes(FileName.FromBytes(bytes)).AsSpan().SequenceEqual(bytes)).Check(Runs);

    [Fact]
    public void Decoded_names_survive_encoding_and_decoding() =>
        Prop.ForAll(Names, bytes =>
        {
            string name = FileName.FromBytes(bytes);
            return FileName.FromBytes(FileName.ToBytes(name)) == name;
        }).Check(Runs);

    [Fact]
    public void Valid_utf8_decodes_as_the_bcl_decodes_it() =>
        Prop.ForAll(Arb.From(Encoded.ListOf().Select(parts => parts.SelectMany(p => p).ToArray())), bytes =>
            FileName.FromBytes(bytes) == Encoding.UTF8.GetString(bytes)
            && FileName.ToBytes(FileName.FromBytes(bytes)).AsSpan().SequenceEqual(bytes)).Check(Runs);

    [Fact]
    public void Decoding_agrees_with_a_table_driven_decoder() =>
        Prop.ForAll(Names, bytes => FileName.FromBytes(bytes) == Reference(bytes)).Check(Runs);

    /// <summary>Surrogateescape spelled out from the Unicode standard's table of well-formed UTF-8 (Table 3-7).</summary>
    private static string Reference(byte[] bytes)
    {
        var name = new StringBuilder();
        for (int i = 0; i < bytes.Length;)
        {
            int length = WellFormedLength(bytes, i);
            if (length == 0) name.Append((char)(0xDC00 + bytes[i++]));
            else
            {
                name.Append(Encoding.UTF8.GetString(bytes, i, length));
                i += length;
            }
        }
        return name.ToString();
    }

    private static int WellFormedLength(byte[] bytes, int i)
    {
        if (bytes[i] < 0x80) return 1;
        (int length, int low, int high) = bytes[i] switch
        {
            >= 0xC2 and <= 0xDF => (2, 0x80, 0xBF),
            0xE0 => (3, 0xA0, 0xBF),
            (>= 0xE1 and <= 0xEC) or 0xEE or 0xEF => (3, 0x80, 0xBF),
            0xED => (3, 0x80, 0x9F),
            0xF0 => (4, 0x90, 0xBF),
            >= 0xF1 and <= 0xF3 => (4, 0x80, 0xBF),
            0xF4 => (4, 0x80, 0x8F),
            _ => (0, 0, 0),
        };
        if (length == 0 || i + length > bytes.Length || bytes[i + 1] < low || bytes[i + 1] > high) return 0;
        for (int k = 2; k < length; k++)
            if (bytes[i + k] is < 0x80 or > 0xBF) return 0;
        return length;
    }

    [Fact]
    public void Compare_orders_as_the_bytes_order() =>
        Prop.ForAll(Arb.From(
            from prefix in NameBytes
            from a in NameBytes
            from b in NameBytes
            select (prefix.Concat(a).ToArray(), prefix.Concat(b).ToArray())), pair =>
        {
            string a = FileName.FromBytes(pair.Item1), b = FileName.FromBytes(pair.Item2);
            int expected = Math.Sign(pair.Item1.AsSpan().SequenceCompareTo(pair.Item2));
            return FileName.Compare(a, b) == expected && FileName.Compare(b, a) == -expected && FileName.Compare(a, a) == 0;
        }).Check(Runs);

    [Fact]
    public void Display_is_reversible_and_free_of_escapes() =>
        Prop.ForAll(Names, bytes =>
        {
            string name = FileName.FromBytes(bytes);
            string shown = FileName.Display(name);
            return FileName.ParseDisplay(shown) == name && !shown.Any(FileName.IsEscape);
        }).Check(Runs);
}
