using Dedup.Core;
using Dedup.Packs;

namespace Dedup.Tests.Packs;

/// <summary>Groups pick their zstd level from what a probe measured (GroupCompression).</summary>
public class GroupCompressionTests
{
    [Theory]
    [InlineData(1000, 970, GroupCompression.Strong)] // saves 3 %: worth it
    [InlineData(1000, 971, GroupCompression.Fast)]   // saves less
    [InlineData(1000, 1000, GroupCompression.Fast)]
    [InlineData(1000, 1010, GroupCompression.Fast)]
    public void The_strong_level_is_kept_only_while_it_saves_enough(int fast, int strong, int expected)
    {
        var compression = new GroupCompression();
        compression.Learn(fast, strong);
        Assert.Equal(expected, compression.Level);
    }

    [Fact]
    public void The_first_group_and_then_one_in_every_ProbeEvery_is_probed()
    {
        var compression = new GroupCompression();
        var probed = Enumerable.Range(0, 3 * GroupCompression.ProbeEvery).Where(_ => compression.NextIsProbe()).ToList();
        Assert.Equal([0, GroupCompression.ProbeEvery, 2 * GroupCompression.ProbeEvery], probed);
    }

    [Fact]
    public void A_probed_group_keeps_the_smaller_encoding_and_every_group_decodes_to_its_members()
    {
        var rng = new Random(11);
        var compression = new GroupCompression();
        for (int g = 0; g < GroupCompression.ProbeEvery + 2; g++)
        {
            // Database-like rows: repeated field names, varying values.
            var members = Enumerable.Range(0, 12).Select(_ => Row(rng, 16384)).ToList();
            var payload = members.SelectMany(m => m).ToArray();
            var table = members.Select(m => (BlockId.Hash(m), m.Length)).ToList();
            var encoded = new byte[BlockGroup.MaxEncodedLength(table.Count, payload.Length)];
            int length = BlockGroup.Encode(table, payload, encoded, compression);

            if (g % GroupCompression.ProbeEvery == 0)
            {
                int tableEnd = BlockGroup.HeaderSize + table.Count * BlockGroup.MemberSize;
                var scratch = new byte[payload.Length];
                int fast = BlockCodec.Encode(payload, scratch, GroupCompression.Fast).Length;
                int strong = BlockCodec.Encode(payload, scratch, GroupCompression.Strong).Length;
                Assert.Equal(tableEnd + Math.Min(fast, strong), length);
            }
            var group = BlockGroup.Decode(encoded.AsSpan(0, length));
            foreach (var member in members)
            {
                Assert.True(group.TryGet(BlockId.Hash(member), out var bytes));
                Assert.Equal(member, bytes.ToArray());
            }
        }
    }

    private static byte[] Row(Random rng, int length)
    {
        var text = new System.Text.StringBuilder();
        while (text.Length < length)
            text.Append($"id={rng.Next(100000)};email=user{rng.Next(5000)}@example.org;status={(rng.Next(3) == 0 ? "active" : "bounced")};");
        return System.Text.Encoding.ASCII.GetBytes(text.ToString(0, length));
    }
}
