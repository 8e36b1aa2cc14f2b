using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Dedup.Native;

/// <summary>
/// User and group names for ids and back, through the system's name service (getpwuid_r and friends: /etc/passwd,
/// or LDAP/sssd as nsswitch.conf says). A restore on another machine maps owners by name; a snapshot records both.
/// Answers are cached for the process's life, misses too: an account added meanwhile is not seen. Thread-safe.
/// Names are escaped strings (<see cref="FileName"/>): nothing guarantees a name service gives UTF-8.
/// A name service that fails (rather than finding nothing) gives an <see cref="IOException"/>, which is not cached.
/// </summary>
public static unsafe class Accounts
{
    // struct passwd and struct group on LP64 glibc: the name is the first pointer; the id sits at 16 in both
    // (passwd: name, passwd, uid, gid, ...; group: name, passwd, gid, members).
    private const int IdOffset = 16, EntrySize = 64;
    private const int NoProcess = 3, BadDescriptor = 9; // ESRCH, EBADF
    private const int FirstBufferSize = 1024, LastBufferSize = 1 << 20;

    private static readonly ConcurrentDictionary<uint, string?> s_userNames = new(), s_groupNames = new();
    private static readonly ConcurrentDictionary<string, uint?> s_userIds = new(), s_groupIds = new();

    public static string? UserName(uint uid) => s_userNames.GetOrAdd(uid, id => NameOf(id, user: true));

    public static string? GroupName(uint gid) => s_groupNames.GetOrAdd(gid, id => NameOf(id, user: false));

    public static uint? UserId(string name) => s_userIds.GetOrAdd(name, n => IdOf(n, user: true));

    public static uint? GroupId(string name) => s_groupIds.GetOrAdd(name, n => IdOf(n, user: false));

    private static string? NameOf(uint id, bool user) =>
        Lookup(user ? "getpwuid_r" : "getgrgid_r", (entry, buffer, length, result) =>
            user ? LibC.GetPwUid(id, entry, buffer, length, result) : LibC.GetGrGid(id, entry, buffer, length, result),
            entry => FileName.FromBytes(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(*(byte**)entry)));

    private static uint? IdOf(string name, bool user)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.Contains('\0')) return null;
        byte[] bytes = [.. FileName.ToBytes(name), 0];
        fixed (byte* n = bytes)
        {
            byte* pinned = n; // a fixed local cannot be captured by the lambda
            return Lookup<uint?>(user ? "getpwnam_r" : "getgrnam_r", (entry, buffer, length, result) =>
                user ? LibC.GetPwNam(pinned, entry, buffer, length, result) : LibC.GetGrNam(pinned, entry, buffer, length, result),
                entry => *(uint*)(entry + IdOffset));
        }
    }

    private delegate int Call(byte* entry, byte* buffer, nuint length, byte** result);

    /// <summary>Runs a *_r lookup with a buffer that grows on ERANGE; null when there is no such entry.</summary>
    private static T? Lookup<T>(string function, Call call, Func<nint, T> read)
    {
        byte* entry = stackalloc byte[EntrySize];
        for (int size = FirstBufferSize; ; size *= 2)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                fixed (byte* b = buffer)
                {
                    byte* result = null;
                    int error = call(entry, b, (nuint)buffer.Length, &result);
                    if (error == 0) return result == null ? default : read((nint)result);
                    // POSIX says "not found" is 0 with no result, but some name services answer with one of these.
                    if (error is Errno.NoEntry or NoProcess or BadDescriptor or Errno.NotPermitted) return default;
                    if (error != Errno.Range || size >= LastBufferSize)
                        throw new IOException($"{function}: {Marshal.GetPInvokeErrorMessage(error)}", error);
                }
            }
            finally { ArrayPool<byte>.Shared.Return(buffer); }
        }
    }
}
