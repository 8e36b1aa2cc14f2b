using System.Collections.Concurrent;
using Dedup.Check;
using Dedup.Core;
using Dedup.Packs;
using Dedup.Storage;

namespace Dedup.Mirror;

public sealed record RemoteCheckReport
{
    /// <summary>Packs the remote catalog records whose object is missing, of the wrong size, or (with read-data) damaged.</summary>
    public SortedDictionary<string, string> DamagedPacks { get; } = new(StringComparer.Ordinal);
    public List<string> DamagedSegments { get; } = [];
    /// <summary>Local packs not yet pushed: not damage, only not mirrored yet.</summary>
    public int PacksPending { get; set; }
    public int PacksChecked { get; set; }
    public long BytesRead { get; set; }
    public CheckReport Affected { get; } = new();
    public bool Ok => DamagedPacks.Count == 0 && DamagedSegments.Count == 0;
}

/// <summary>Checks the bucket's copy: its catalog segments verify, every pack it records is there at its size, and
/// with read-data every pack hashes to its name and every block in it decodes and re-hashes.</summary>
public static class RemoteChecker
{
    public static async Task<RemoteCheckReport> RunAsync(Repository.IMirrorCheckRepository repository, IObjectStore store, bool readData, int parallel,
        Action<long, long>? progress, CancellationToken cancellationToken) =>
        await RunAsync(repository, store, await RemoteState.LoadAsync(store, repository.CatalogSealer, parallel, cancellationToken),
            readData, parallel, null, progress, cancellationToken);

    /// <summary>Checks against a bucket state the caller already read (repair needs it too).</summary>
    /// <param name="verified">Packs of this bucket already read and found intact (check read them for the local repository,
    /// which lacks them): counted, not downloaded again.</param>
    public static async Task<RemoteCheckReport> RunAsync(Repository.IMirrorCheckRepository repository, IObjectStore store, RemoteState remote, bool readData, int parallel,
        IReadOnlySet<string>? verified, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        var report = new RemoteCheckReport();
        foreach (var (segment, problem) in remote.DamagedSegments) report.DamagedSegments.Add($"catalog segment {segment}: {problem}");
        report.PacksPending = repository.PackLengths().Count(p => !remote.CatalogPacks.ContainsKey(p.Pack));
        var damaged = new ConcurrentDictionary<BlockId, string>();
        long done = 0, read = 0;
        await Parallel.ForEachAsync(remote.CatalogPacks, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (p, ct) =>
        {
            var (pack, length) = (p.Key, p.Value);
            if (!remote.ListedPacks.TryGetValue(pack, out long size)) damaged[pack] = "missing from the bucket";
            else if (size != length) damaged[pack] = $"has {size} bytes in the bucket, the catalog says {length}";
            else if (readData && verified?.Contains(pack.ToString()) != true)
            {
                try
                {
                    var bytes = await store.GetAsync(RemoteLayout.Pack(pack), ct);
                    Interlocked.Add(ref read, bytes.Length);
                    repository.VerifyPack(bytes, pack, verifyBlocks: true);
                }
                catch (CorruptDataException e) { damaged[pack] = e.Message; }
                catch (ObjectNotFoundException) { damaged[pack] = "missing from the bucket"; }
            }
            progress?.Invoke(Interlocked.Increment(ref done), remote.CatalogPacks.Count);
        });
        foreach (var (pack, problem) in damaged) report.DamagedPacks[pack.ToString()] = problem;
        report.PacksChecked = remote.CatalogPacks.Count;
        report.BytesRead = read;
        if (damaged.Count > 0) Checker.MapDamage(repository, Checker.BlocksIn(repository, damaged.Keys), report.Affected);
        return report;
    }
}
