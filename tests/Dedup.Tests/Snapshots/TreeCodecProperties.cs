using Dedup.Core;
using Dedup.Snapshots;
using FsCheck;
using FsCheck.Fluent;

namespace Dedup.Tests.Snapshots;

public class TreeCodecProperties
{
    private static readonly Gen<TreeNode> NodeGen =
        from name in Gen.Elements("a", "b", "ünï", "with space", "日本", "😀", ".x", "z-long-name")
        from type in Gen.Elements(NodeType.File, NodeType.Directory, NodeType.Symlink)
        from mode in Gen.Choose(0, 0xFFF)
        from mtime in Gen.Choose(int.MinValue, int.MaxValue)
        from blocks in Gen.Choose(0, 5)
        select type switch
        {
            NodeType.File => new TreeNode(name, type, (uint)mode, mtime * 977L, 1000, 1000, blocks * 10, 42, 7, Enumerable.Range(0, blocks).Select(i => BlockId.Hash([(byte)i])).ToArray()),
            NodeType.Directory => new TreeNode(name, type, (uint)mode, mtime, 0, 0, Subtree: BlockId.Hash([1, 2, 3])),
            _ => new TreeNode(name, type, (uint)mode, mtime, 0, 0, LinkTarget: "../" + name),
        };

    private static readonly Arbitrary<Tree> Trees = Arb.From(NodeGen.ListOf().Select(nodes => new Tree(nodes.DistinctBy(n => n.Name))));

    [Fact]
    public void Encoding_round_trips() =>
        Prop.ForAll(Trees, tree =>
        {
            var bytes = TreeCodec.Encode(tree);
            var decoded = TreeCodec.Decode(bytes);
            return TreeCodec.Encode(decoded).AsSpan().SequenceEqual(bytes)
                && decoded.Nodes.Select(n => n.Name).SequenceEqual(tree.Nodes.Select(n => n.Name));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("nul\0byte")]
    public void Names_that_could_escape_a_restore_target_are_corrupt(string name)
    {
        // Encode does not validate (it trusts the archiver); the decoder must not trust the catalog.
        var bytes = TreeCodec.Encode(new Tree([new TreeNode(name, NodeType.File, 0x1A4, 0, 0, 0)]));
        Assert.Throws<CorruptDataException>(() => TreeCodec.Decode(bytes));
    }

    [Fact]
    public void Every_truncation_is_corrupt()
    {
        var tree = new Tree([
            new TreeNode("f", NodeType.File, 0x1A4, 1, 2, 3, 5, 9, 9, [BlockId.Hash([1])]),
            new TreeNode("l", NodeType.Symlink, 0x1FF, 1, 2, 3, LinkTarget: "target"),
        ]);
        var bytes = TreeCodec.Encode(tree);
        for (int n = 0; n < bytes.Length; n++)
            Assert.Throws<CorruptDataException>(() => TreeCodec.Decode(bytes.AsSpan(0, n)));
    }
}
