using Dedup.Native;

namespace Dedup.Tests.Native;

// Cases holding lone surrogates are MemberData enumerated at run time: test discovery serializes InlineData
// through JSON, which would turn a lone surrogate into U+FFFD before the test ever saw it.
public class FileNameTests
{
    public static TheoryData<byte[], string> Decodings => new()
    {
        { [0xED, 0xB2, 0x80], "\uDCED\uDCB2\uDC80" }, // the UTF-8 form of the escape U+DC80 itself
        { [0xED, 0xA0, 0x80, 0x61], "\uDCED\uDCA0\uDC80a" },
        { [0xC0, 0xAF], "\uDCC0\uDCAF" },              // overlong '/'
        { [0xF4, 0x90, 0x80, 0x80], "\uDCF4\uDC90\uDC80\uDC80" }, // U+110000
        { [0x61, 0xE2, 0x82], "a\uDCE2\uDC82" },       // truncated €
        { [0xE2, 0x82, 0x61], "\uDCE2\uDC82a" },
        { [0xC3, 0xA9, 0xFF], "é\uDCFF" },
        { [0xF0, 0x9F, 0x98, 0x80], "😀" },
        { [0xEF, 0xBF, 0xBD], "\uFFFD" },
        { [], "" },
    };

    [Theory]
    [MemberData(nameof(Decodings), DisableDiscoveryEnumeration = true)]
    public void Decodes_valid_sequences_and_escapes_each_invalid_byte(byte[] bytes, string expected)
    {
        Assert.Equal(expected, FileName.FromBytes(bytes));
        Assert.Equal(bytes, FileName.ToBytes(expected));
    }

    [Fact]
    public void An_invalid_byte_and_the_replacement_character_stay_apart()
    {
        string invalid = FileName.FromBytes([0x61, 0xFF]);
        string replacement = FileName.FromBytes([0x61, 0xEF, 0xBF, 0xBD]);
        Assert.NotEqual(invalid, replacement);
        Assert.NotEqual(0, FileName.Compare(invalid, replacement));
    }

    public static TheoryData<string> Unencodable => new()
    {
        "\uD800",     // lone high surrogate
        "a\uD83Db",
        "x\uD83D",
        "\uDC00",     // low surrogates outside the escapes
        "\uDC7F",
        "\uDE00x",
    };

    [Theory]
    [MemberData(nameof(Unencodable), DisableDiscoveryEnumeration = true)]
    public void Lone_surrogates_that_are_not_escapes_cannot_be_encoded(string name) =>
        Assert.Throws<ArgumentException>(() => FileName.ToBytes(name));

    [Fact]
    public void A_high_surrogate_before_an_escape_is_a_pair_not_an_escape() =>
        // U+D800 U+DC80 is the valid pair for U+10080: it encodes as four bytes, not as one escaped byte.
        Assert.Equal(new byte[] { 0xF0, 0x90, 0x82, 0x80 }, FileName.ToBytes("\uD800\uDC80"));

    [Fact]
    public void GetBytes_fills_a_span_of_three_bytes_per_char()
    {
        byte[] bytes = [0xFF, 0xC3, 0xA9, 0xE2, 0x82, 0xAC];
        string name = FileName.FromBytes(bytes);
        var buffer = new byte[name.Length * FileName.MaxBytesPerChar];
        int length = FileName.GetBytes(name, buffer);
        Assert.Equal(bytes, buffer[..length]);
        Assert.Throws<ArgumentException>(() => FileName.GetBytes(name, new byte[3]));
    }

    public static TheoryData<string, string, int> Orders => new()
    {
        { "a", "ab", -1 },
        { "ab", "a", 1 },
        { "", "a", -1 },
        { "", "", 0 },
        { "b", "ab", 1 },
        { "\uFFFD", "😀", -1 },    // EF BF BD < F0 9F 98 80, though U+FFFD > U+D83D in UTF-16
        { "\uDCC3", "é", -1 },     // C3 is a prefix of C3 A9, though U+DCC3 > U+00E9
        { "\uDC80", "a", 1 },
        { "\uDCFF", "\uFFFD", 1 }, // FF > EF
        { "x\uDCFF", "x\uDCFF", 0 },
        { "same prefix\uDCC3z", "same prefix\uDCC3", 1 },
    };

    [Theory]
    [MemberData(nameof(Orders), DisableDiscoveryEnumeration = true)]
    public void Compare_orders_by_bytes(string a, string b, int expected) => Assert.Equal(expected, FileName.Compare(a, b));

    public static TheoryData<string, string> Displays => new()
    {
        { "plain", "plain" },
        { "a\\b", "a\\\\b" },
        { "\uDCFF", "\\xff" },
        { "x\uDC80\\x80", "x\\x80\\\\x80" },
        { "é😀", "é😀" },
    };

    [Theory]
    [MemberData(nameof(Displays), DisableDiscoveryEnumeration = true)]
    public void Display_escapes_bytes_and_backslashes(string name, string shown)
    {
        Assert.Equal(shown, FileName.Display(name));
        Assert.Equal(name, FileName.ParseDisplay(shown));
    }

    public static TheoryData<string, string> HandWritten => new()
    {
        { "\\x41", "A" },          // low values give the ASCII char
        { "\\xFF", "\uDCFF" },     // either case of hex digits
        { "\\x4", "\\x4" },        // a backslash before anything else stays
        { "\\xg0", "\\xg0" },
        { "\\q", "\\q" },
        { "end\\", "end\\" },
        { "\\\\\\", "\\\\" },
        { "C:\\temp", "C:\\temp" },
    };

    [Theory]
    [MemberData(nameof(HandWritten), DisableDiscoveryEnumeration = true)]
    public void ParseDisplay_reads_hand_written_text(string text, string name) => Assert.Equal(name, FileName.ParseDisplay(text));
}
