using System.Text.Json;
using Dedup.Tests.Support;
using Xunit.Abstractions;

namespace Dedup.Tests.Dist;

/// <summary>
/// The binary of scripts/publish.sh, copied alone into an empty directory and run there with an environment that
/// has no .NET in it: it must carry the runtime and libsodium itself.
/// </summary>
[Collection(PublishedBinaryCollection.Name)]
public class SingleFileTests(PublishedBinary published, ITestOutputHelper output)
{
    private sealed class Alone : IDisposable
    {
        private readonly Sandbox _sandbox = new();

        public Alone(PublishedBinary published)
        {
            System.IO.Directory.CreateDirectory(Directory);
            System.IO.Directory.CreateDirectory(Home);
            File.Copy(published.Binary, Binary);
            File.SetUnixFileMode(Binary, (UnixFileMode)0x1ED);
        }

        public string Directory => _sandbox.Path("bin");
        public string Home => _sandbox.Path("home");
        public string Binary => System.IO.Path.Combine(Directory, "dedup");
        public string Path(params string[] parts) => _sandbox.Path(parts);

        /// <summary>As `env -i`: no DOTNET_ROOT, no HOME of the test run, no PATH to a dotnet.</summary>
        public DedupCli.Result Run(params string[] args) => Exec.Run(Binary, args, Directory, new Dictionary<string, string>
        {
            ["HOME"] = Home,
            ["PATH"] = "/nonexistent",
            ["DEDUP_PASSWORD"] = TestRepository.Password,
            ["DEDUP_REPO"] = Path("repo"),
        }, cleanEnvironment: true);

        public void Dispose() => _sandbox.Dispose();
    }

    [Fact]
    public void Copied_alone_into_an_empty_directory_it_inits_backs_up_and_restores()
    {
        output.WriteLine($"publish: {published.Elapsed.TotalSeconds:0.0} s, binary {new FileInfo(published.Binary).Length / 1e6:0.0} MB");
        using var alone = new Alone(published);
        Assert.Equal(["dedup"], System.IO.Directory.GetFileSystemEntries(alone.Directory).Select(Path.GetFileName));
        string data = alone.Path("data");
        new Mirror.RandomTreeWriter(data, seed: 7).Write(files: 5, bytesEach: 300_000);
        File.WriteAllText(Path.Combine(data, "notes.txt"), "a binary you can copy");

        var init = alone.Run("init", "--kdf-memory", "8", "--kdf-iterations", "1");
        Assert.True(init.ExitCode == 0, init.ToString());
        var backup = alone.Run("backup", data, "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        string target = alone.Path("restored");
        var restore = alone.Run("restore", "latest", "--target", target, "--verify");
        Assert.True(restore.ExitCode == 0, restore.ToString());

        string restored = target + data;
        var diff = Exec.Run("diff", ["-r", data, restored]);
        Assert.True(diff.ExitCode == 0, diff.ToString());
        TreeAssert.Equal(data, restored);
        // libsodium came out of the bundle, not from beside the binary or the system.
        Assert.Equal(["dedup"], System.IO.Directory.GetFileSystemEntries(alone.Directory).Select(Path.GetFileName));
        Assert.NotEmpty(System.IO.Directory.GetFiles(System.IO.Path.Combine(alone.Home, ".net"), "libsodium.so", SearchOption.AllDirectories));
    }

    [Fact]
    public void Version_names_the_runtime_inside_and_the_architecture()
    {
        using var alone = new Alone(published);
        var text = alone.Run("version");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Matches(@"^dedup \d+\.\d+\.\d+.* on \.NET 10\.\d+\.\d+, linux/x64 \(single-file, zstd: (libzstd|managed)\)\n$", text.Stdout);

        var json = alone.Run("version", "--json");
        var info = JsonDocument.Parse(json.Stdout).RootElement;
        Assert.True(info.GetProperty("single_file").GetBoolean());
        Assert.Equal("linux-x64", info.GetProperty("rid").GetString());
        Assert.Equal("x64", info.GetProperty("arch").GetString());

        var bare = alone.Run("--version");
        Assert.True(bare.ExitCode == 0, bare.ToString());
        Assert.StartsWith(info.GetProperty("version").GetString()!, bare.Stdout);
    }

    [Fact]
    public void The_publish_output_carries_the_systemd_units()
    {
        Assert.True(File.Exists(Path.Combine(published.Directory, "systemd", "dedup.service")));
        Assert.True(File.Exists(Path.Combine(published.Directory, "systemd", "dedup.timer")));
    }
}
