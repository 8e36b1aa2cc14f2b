using System.IO.Enumeration;
using Dedup.Core;

namespace Dedup.Tests.Support;

/// <summary>Every entry under a directory, symlinks listed but never followed (<see cref="TreeWalk"/>): random
/// trees hold links to their own directories.</summary>
public static class Walk
{
    public static IEnumerable<string> Entries(string root) => TreeWalk.Entries(root, (ref FileSystemEntry e) => e.ToFullPath());

    /// <summary>Directories only, symlinks to directories excluded.</summary>
    public static IEnumerable<string> Directories(string root) =>
        TreeWalk.Entries(root, (ref FileSystemEntry e) => e.ToFullPath(), (ref FileSystemEntry e) => e.IsDirectory && !TreeWalk.IsSymlink(e));
}
