namespace Dedup.Core;

/// <summary>Absolute paths ("/a/b", stored or on disk) taken apart and put together as text, never touching the
/// file system: the walk and the restore reach entries through directory handles and name them with these.</summary>
public static class AbsolutePath
{
    /// <summary>"/a/b" → "/a"; "/a" → "/".</summary>
    public static string Parent(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    /// <summary>"/a/b" → "b".</summary>
    public static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    /// <summary>("/a", "b") → "/a/b"; ("/", "b") → "/b".</summary>
    public static string Join(string directory, string name) => directory == "/" ? "/" + name : directory + "/" + name;
}
