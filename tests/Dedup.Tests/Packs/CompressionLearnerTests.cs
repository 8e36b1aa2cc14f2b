using Dedup.Core;
using Dedup.Packs;

namespace Dedup.Tests.Packs;

/// <summary>Blobs take the zstd level a probe found cheapest for what it saves (CompressionLearner).</summary>
public class CompressionLearnerTests
{
    private static readonly (int Level, double Cost)[] Costs = [(1, 1.0), (2, 1.25), (4, 3.0)];

    [Theory]
    [InlineData(1000, 1000, 1000, 1)]  // nothing saved: the cheapest
    [InlineData(1000, 995, 990, 1)]    // saved too little for the time
    [InlineData(1000, 990, 990, 2)]    // 1 % for a quarter more time: worth it
    [InlineData(1000, 1000, 940, 4)]   // 6 % for three times the time: worth it
    [InlineData(1000, 1000, 945, 1)]   // 5.5 %: not quite
    [InlineData(1000, 1010, 1200, 1)]  // a stronger level may come out larger
    public void The_level_whose_length_weighed_with_its_cost_is_least_is_kept(int first, int second, int third, int expected)
    {
        var learner = new CompressionLearner(Costs);
        learner.Learn([first, second, third]);
        Assert.Equal(expected, learner.Level);
    }

    [Fact]
    public void The_first_blob_and_then_one_in_every_ProbeEvery_is_probed()
    {
        var learner = new CompressionLearner(Costs);
        var probed = Enumerable.Range(0, 3 * CompressionLearner.ProbeEvery).Where(_ => learner.NextIsProbe()).ToList();
        Assert.Equal([0, CompressionLearner.ProbeEvery, 2 * CompressionLearner.ProbeEvery], probed);
    }

    [Fact]
    public void A_probe_of_incompressible_data_learns_nothing_and_the_next_blob_is_probed()
    {
        var learner = new CompressionLearner(CompressionLearner.GroupCosts);
        var noise = new byte[200_000];
        new Random(3).NextBytes(noise);
        var destination = new byte[noise.Length];
        int before = learner.Level;
        Assert.Equal(Codec.Raw, learner.Encode(noise, destination).Codec);
        Assert.Equal(before, learner.Level);
        Assert.True(learner.NextIsProbe());
    }

    [Fact]
    public void A_probed_group_keeps_the_smallest_encoding_and_every_group_decodes_to_its_members()
    {
        var rng = new Random(11);
        var learner = new CompressionLearner(CompressionLearner.GroupCosts);
        for (int g = 0; g < CompressionLearner.ProbeEvery + 2; g++)
        {
            // Database-like rows: repeated field names, varying values.
            var members = Enumerable.Range(0, 12).Select(_ => Row(rng, 16384)).ToList();
            var payload = members.SelectMany(m => m).ToArray();
            var table = members.Select(m => (BlockId.Hash(m), m.Length)).ToList();
            var encoded = new byte[BlockGroup.MaxEncodedLength(table.Count, payload.Length)];
            int length = BlockGroup.Encode(table, payload, encoded, learner);

            int tableEnd = BlockGroup.HeaderSize + table.Count * BlockGroup.MemberSize;
            var scratch = new byte[payload.Length];
            var atEachLevel = learner.Costs.Select(c => BlockCodec.Encode(payload, scratch, c.Level).Length).ToList();
            if (g % CompressionLearner.ProbeEvery == 0) Assert.Equal(tableEnd + atEachLevel.Min(), length);
            else Assert.Equal(tableEnd + BlockCodec.Encode(payload, scratch, learner.Level).Length, length);
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
