using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using Dedup.Packs;

namespace Dedup.Cli.Commands;

/// <summary>
/// dedup version: what a bug report needs, as restic prints it ("restic 0.16.0 compiled with go1.21 on linux/amd64").
/// The runtime named is the one running: a framework-dependent build runs on whatever .NET is installed.
/// Needs no repository and no password. `dedup --version` (System.CommandLine's) still prints the bare version.
/// </summary>
public static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the version, the .NET runtime, OS/architecture and how dedup was built (--json: an object)");
        command.SetAction(parse =>
        {
            var info = Describe();
            Console.Out.WriteLine(parse.GetValue(GlobalOptions.Json)
                ? Format.ToJson(info)
                : $"dedup {info.Version}{(info.Commit is { Length: >= 12 } c ? $" ({c[..12]})" : "")} on {info.Runtime}, {info.Os}/{info.Arch}"
                  + $" ({(info.SingleFile ? "single-file" : "framework-dependent")}, zstd: {info.Zstd})");
            return ExitCodes.Success;
        });
        return command;
    }

    public sealed record Info(string Version, string? Commit, string Runtime, string Os, string Arch, string Rid, bool SingleFile, string Zstd);

    public static Info Describe()
    {
        // "0.1.0+<commit>" when built from a git checkout (SourceLink puts the commit after the '+').
        string informational = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        int plus = informational.IndexOf('+');
        string version = plus < 0 ? informational : informational[..plus];
        string? commit = plus < 0 ? null : informational[(plus + 1)..];
        return new Info(
            version,
            commit,
            RuntimeInformation.FrameworkDescription,
            OperatingSystem.IsLinux() ? "linux" : RuntimeInformation.OSDescription,
            RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
            RuntimeInformation.RuntimeIdentifier,
            SingleFile: IsSingleFile(),
            BlockCodec.UsesNativeZstd ? "libzstd" : "managed");
    }

    // IL3000 warns that Location is empty in a single-file bundle: that emptiness is what is asked here.
#pragma warning disable IL3000
    private static bool IsSingleFile() => string.IsNullOrEmpty(typeof(VersionCommand).Assembly.Location);
#pragma warning restore IL3000
}
