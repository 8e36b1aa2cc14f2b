using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Dedup.Core;
using Dedup.Crypto;
using Dedup.Indexing;

// The block index at scale, on the engine alone (ADR 0007): builds an index of N synthetic blocks (default 10 M,
// 250 per pack) in a temp directory, opens it again as a new command would, and measures resident memory and
// lookups per second for blocks that are stored (hits) and blocks that are not (misses, the common case of a
// backup). For comparison it fills the former in-memory dictionary with a tenth as many blocks.
// The build and the measurement run as two processes, so the second starts with nothing the first allocated:
//   dotnet bench/IndexBench/bin/Release/net10.0/IndexBench.dll build [BLOCKS] [DIR]
//   dotnet bench/IndexBench/bin/Release/net10.0/IndexBench.dll measure [BLOCKS] [DIR]
string phase = args.Length > 0 ? args[0] : "build";
long blocks = args.Length > 1 ? long.Parse(args[1]) : 10_000_000;
string dir = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "dedup-index-bench");
// A fixed key: the measuring process must open what the building one sealed.
var sealer = new AesGcmSealer(SHA256.HashData("index bench"u8));
var source = new SyntheticSource(blocks);
var clock = Stopwatch.StartNew();

if (phase == "build")
{
    if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    using (var build = BlockIndex.Open(Path.Combine(dir, "index"), Path.Combine(dir, "tmp"), sealer, source, writable: true)) { }
    Console.WriteLine($"build: {blocks:N0} blocks in {clock.Elapsed.TotalSeconds:F1} s, {DirectorySize(Path.Combine(dir, "index")) / 1e6:F0} MB on disk");
    return;
}

Collect();
long before = Rss();
clock.Restart();
using var index = BlockIndex.Open(Path.Combine(dir, "index"), Path.Combine(dir, "tmp"), sealer, source, writable: false);
double open = clock.Elapsed.TotalMilliseconds;
Collect();
long opened = Rss();
Console.WriteLine($"open: {open:F0} ms; resident +{(opened - before) / 1e6:F1} MB = {(double)(opened - before) / blocks:F2} bytes per block (runs report {(double)index.RunMemoryBytes / blocks:F2}), {index.RunCount} run(s), overlay {index.OverlayCount}");

const int Lookups = 1_000_000;
var rng = new Random(42);
clock.Restart();
int found = 0;
for (int i = 0; i < Lookups; i++)
{
    long n = rng.NextInt64(blocks);
    if (index.TryLocate(SyntheticSource.Id(n), out var location) && location.Offset == SyntheticSource.Offset(n)) found++;
}
double hitRate = Lookups / clock.Elapsed.TotalSeconds;
if (found != Lookups) throw new InvalidOperationException($"only {found} of {Lookups} stored blocks found");
clock.Restart();
int falsePositives = 0;
for (int i = 0; i < Lookups; i++)
    if (index.TryLocate(SyntheticSource.Id(blocks + rng.NextInt64(blocks)), out _)) falsePositives++;
double missRate = Lookups / clock.Elapsed.TotalSeconds;
Collect();
long after = Rss();
Console.WriteLine($"lookups: {hitRate:N0}/s stored (each found at its offset), {missRate:N0}/s not stored ({falsePositives} wrongly found)");
Console.WriteLine($"resident after 2 M lookups: +{(after - before) / 1e6:F1} MB = {(double)(after - before) / blocks:F2} bytes per block");

// The dictionary every command used to fill (ConcurrentDictionary<BlockId, BlockLocation>), at a tenth of the size.
long sample = Math.Min(blocks, 1_000_000);
Collect();
long dictBefore = GC.GetTotalMemory(true);
var dictionary = new ConcurrentDictionary<BlockId, BlockLocation>();
foreach (var (id, location) in source.Blocks(null)) { dictionary[id] = location; if (dictionary.Count == sample) break; }
long dictAfter = GC.GetTotalMemory(true);
Console.WriteLine($"former dictionary: {(double)(dictAfter - dictBefore) / sample:F0} bytes per block (managed heap, {dictionary.Count:N0} blocks)");

static void Collect() { GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect(); }

static long Rss()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    return 0;
}

static long DirectorySize(string path) => new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

/// <summary>A catalog of <c>blocks</c> synthetic blocks, 250 to a pack, generated on demand (nothing held).</summary>
sealed class SyntheticSource(long blocks) : IIndexSource
{
    private const int PerPack = 250;

    public static BlockId Id(long n)
    {
        Span<byte> seed = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(seed, n);
        return BlockId.Hash(seed);
    }

    public static long Offset(long n) => (n % PerPack) * 65_536;

    private static BlockId Pack(long p) => Id(-1 - p);

    public PackState? PackState() => new("synthetic", blocks);

    public IReadOnlyList<BlockId> PackIds()
    {
        var ids = new List<BlockId>();
        for (long p = 0; p * PerPack < blocks; p++) ids.Add(Pack(p));
        return ids;
    }

    public IEnumerable<KeyValuePair<BlockId, BlockLocation>> Blocks(IEnumerable<BlockId>? packs)
    {
        var pack = Pack(0);
        for (long n = 0; n < blocks; n++)
        {
            if (n % PerPack == 0) pack = Pack(n / PerPack);
            yield return new(Id(n), new BlockLocation(pack, Offset(n), 40_000, 65_536, Codec.Zstd));
        }
    }
}
