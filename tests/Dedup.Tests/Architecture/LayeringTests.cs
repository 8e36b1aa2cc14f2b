using System.Text.RegularExpressions;
using Dedup.Tests.Support;

namespace Dedup.Tests.Architecture;

/// <summary>
/// The engine's namespaces form layers, each using only those below it: a format reader never reaches up into the
/// repository, a repository never into the commands built on it. One assembly cannot enforce that by project
/// references, so this test reads the sources: a <c>using Dedup.X</c> or a qualified <c>X.Type</c> in a file of a
/// lower layer fails it.
/// </summary>
public class LayeringTests
{
    /// <summary>Bottom first.</summary>
    private static readonly string[] Layers =
    [
        "Native", "Core", "Chunking", "Crypto", "Packs", "Storage", "Indexing", "Snapshots", "Repository",
        "Backup", "Restore", "Check", "Maintenance", "Mirror", "Plan",
    ];

    [Fact]
    public void Every_engine_namespace_uses_only_the_layers_below_it()
    {
        string engine = Path.Combine(Exec.RepositoryRoot(), "engine", "Dedup.Engine");
        var found = Directory.EnumerateDirectories(engine).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj")).Order().ToList();
        Assert.Equal(Layers.Order(), found); // a new namespace needs its place in the layers

        var violations = new List<string>();
        foreach (var file in Directory.EnumerateFiles(engine, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/") && !f.Contains("/bin/")))
        {
            string code = Regex.Replace(File.ReadAllText(file), @"//.*", "");
            var own = Regex.Match(code, @"^namespace Dedup\.(\w+)", RegexOptions.Multiline);
            if (!own.Success) continue;
            int level = Array.IndexOf(Layers, own.Groups[1].Value);
            foreach (var above in Layers.Skip(level + 1))
                if (Regex.IsMatch(code, $@"\busing Dedup\.{above}\b|(?<![\w.])(Dedup\.)?{above}\.[A-Z]\w*"))
                    violations.Add($"{Path.GetRelativePath(engine, file)} ({own.Groups[1].Value}) uses {above}");
        }
        Assert.Empty(violations);
    }

    /// <summary>Where the layers above the repository may name <c>LocalRepository</c>: the recovery that creates one
    /// from a bucket. Everything else takes the role it uses (Repository/RepositoryRoles.cs).</summary>
    private static readonly string[] MayNameLocalRepository = ["Mirror/RemoteRecovery.cs"];

    [Fact]
    public void Consumers_of_the_repository_take_its_roles_not_the_whole_repository()
    {
        string engine = Path.Combine(Exec.RepositoryRoot(), "engine", "Dedup.Engine");
        var consumers = Layers.SkipWhile(l => l != "Repository").Skip(1).ToList();
        var named = consumers
            .SelectMany(layer => Directory.EnumerateFiles(Path.Combine(engine, layer), "*.cs", SearchOption.AllDirectories))
            .Where(file => Regex.IsMatch(Regex.Replace(File.ReadAllText(file), @"//.*", ""), @"\bLocalRepository\b"))
            .Select(file => Path.GetRelativePath(engine, file))
            .Order()
            .ToList();
        Assert.Equal(MayNameLocalRepository.Order(), named);
    }

    [Fact]
    public void The_check_sees_an_upward_use()
    {
        // The pattern the test relies on, on a line a lower layer must not contain.
        Assert.Matches(@"(?<![\w.])(Dedup\.)?Repository\.[A-Z]\w*", "var x = new Repository.PackAssembler();");
        Assert.DoesNotMatch(@"(?<![\w.])(Dedup\.)?Packs\.[A-Z]\w*", "repository.Packs.List()");
    }
}
