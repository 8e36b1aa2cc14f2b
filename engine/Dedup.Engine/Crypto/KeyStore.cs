using Dedup.Core;

namespace Dedup.Crypto;

public sealed class WrongPasswordException(string message) : DedupException(message);

/// <summary>The key files of a repository (keys/). Several passwords open one repository; the last key cannot be removed.</summary>
public sealed class KeyStore(string directory, string tempDirectory, string repositoryId)
{
    public IReadOnlyList<KeyFile> List()
    {
        if (!Directory.Exists(directory)) return [];
        return Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal)
            .Select(path => KeyFile.Parse(File.ReadAllBytes(path), Path.GetFileName(path))).ToList();
    }

    public KeyFile Add(MasterKey master, string password, KdfParameters kdf, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(password)) throw new DedupException("an empty password is not allowed");
        var key = KeyFile.Create(master, password, kdf, repositoryId, now);
        DurableFile.Write(Path.Combine(directory, key.Id + ".json"), key.Serialize(), tempDirectory);
        return key;
    }

    public void Remove(string id)
    {
        var keys = List();
        var key = keys.SingleOrDefault(k => k.Id == id) ?? throw new DedupException($"no key with id {id} (see 'dedup key list')");
        if (keys.Count == 1) throw new DedupException("refusing to remove the last key: the repository could never be opened again");
        File.Delete(Path.Combine(directory, key.Id + ".json"));
        Native.Posix.FsyncDirectory(directory);
    }

    /// <summary>Tries every key; throws <see cref="WrongPasswordException"/> when none opens, <see cref="CorruptDataException"/> when
    /// none opens and one is damaged.</summary>
    public (MasterKey Master, KeyFile Key) Open(string password)
    {
        var keys = List();
        if (keys.Count == 0) throw new CorruptDataException("the repository is encrypted but has no key files (keys/ is empty)");
        return OpenAny(keys, password, repositoryId);
    }

    /// <summary>The first of <paramref name="keys"/> the password opens (wherever the key files came from: keys/ or a
    /// bucket). None: <see cref="WrongPasswordException"/>, or <see cref="CorruptDataException"/> when one is damaged.</summary>
    public static (MasterKey Master, KeyFile Key) OpenAny(IEnumerable<KeyFile> keys, string password, string repositoryId)
    {
        CorruptDataException? damaged = null;
        foreach (var key in keys)
        {
            try
            {
                if (key.TryOpen(password, repositoryId) is { } master) return (master, key);
            }
            catch (CorruptDataException e) { damaged = e; }
        }
        if (damaged is not null) throw damaged;
        throw new WrongPasswordException("wrong password: no key of this repository opens with it");
    }
}
