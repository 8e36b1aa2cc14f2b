using System.Text.Json;
using Dedup.Mirror;
using Dedup.Tests.Support;

namespace Dedup.Tests.Mirror;

/// <summary>The mirror as a user drives it: the dedup process against the real S3 server.</summary>
public class MirrorCliTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>A repository with data backed up and a remote "offsite" on a new bucket.</summary>
    private static (DedupCli Cli, string Source, string Bucket) Setup(Sandbox sandbox, int megabytes, string? endpoint = null)
    {
        string source = sandbox.Path("data");
        Directory.CreateDirectory(source);
        var rng = new Random(megabytes);
        for (int i = 0; i < megabytes / 4; i++)
        {
            var bytes = new byte[4_000_000];
            rng.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(source, $"big-{i}.bin"), bytes);
        }
        File.WriteAllText(Path.Combine(source, "notes.txt"), string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i} of the notes\n")));
        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        Assert.Equal(0, cli.Run("backup", source).ExitCode);
        string bucket = S3TestServer.NewBucketName();
        var add = cli.Run("remote", "add", "offsite", "--endpoint", endpoint ?? S3TestServer.Endpoint!, "--bucket", bucket, "--create-bucket");
        Assert.True(add.ExitCode == 0, add.ToString());
        return (cli, source, bucket);
    }

    [Fact]
    public void A_single_file_restored_from_the_bucket_fetches_only_its_blocks()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        var (cli, source, bucket) = Setup(sandbox, 24);
        var push = cli.Run("mirror", "push", "--json");
        Assert.True(push.ExitCode == 0, push.ToString());
        long pushed = push.LastJson.GetProperty("bytes_uploaded").GetInt64();
        Assert.True(pushed > 24_000_000, push.ToString());

        // Disaster: the local repository is gone. Only the catalog comes back; the file comes by range reads.
        Directory.Delete(sandbox.Path("repo"), recursive: true);
        string location = $"s3:{S3TestServer.Endpoint}/{bucket}";
        var recover = cli.Run("recover", "--remote", location, "--json");
        Assert.True(recover.ExitCode == 0, recover.ToString());
        Assert.Equal(1, recover.LastJson.GetProperty("snapshots").GetInt32());
        Assert.True(recover.LastJson.GetProperty("bytes_downloaded").GetInt64() < 100_000, recover.ToString());

        string target = sandbox.Path("target");
        var restore = cli.Run("restore", "latest", source + "/notes.txt", "--target", target, "--remote", "offsite", "--verify", "--json");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal(File.ReadAllBytes(source + "/notes.txt"), File.ReadAllBytes(target + source + "/notes.txt"));
        long fetched = restore.LastJson.GetProperty("remote_bytes_downloaded").GetInt64();
        Assert.True(fetched > 0 && fetched < pushed / 100, $"fetched {fetched} of {pushed} bytes in the bucket");
    }

    [Fact]
    public void A_push_downloads_only_the_catalog_segments_it_has_not_seen()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        var (cli, source, bucket) = Setup(sandbox, 4);
        Assert.Equal(0, cli.Run("mirror", "push").ExitCode);
        File.WriteAllText(Path.Combine(source, "more.txt"), "a second snapshot");
        Assert.Equal(0, cli.Run("backup", source, "--mirror", "offsite").ExitCode);
        using var store = S3TestServer.Store(bucket);
        long segments = store.ListAsync(RemoteLayout.CatalogPrefix, None).ToBlockingEnumerable().Sum(o => o.Size);

        long Downloaded() => cli.Run("mirror", "push", "--json").LastJson.GetProperty("bytes_downloaded").GetInt64();
        long cached = Downloaded();
        Directory.Delete(sandbox.Path("repo", "cache"), recursive: true);
        long uncached = Downloaded();
        // The same push (nothing to do) with and without the cache differs by exactly the bucket's catalog.
        Assert.Equal(segments, uncached - cached);
        Assert.Equal(cached, Downloaded());

        // A damaged cached copy is fetched again, not reported as damage in the bucket.
        var copy = Directory.EnumerateFiles(sandbox.Path("repo", "cache"), "*", SearchOption.AllDirectories).First();
        File.WriteAllText(copy, "damaged");
        var push = cli.Run("mirror", "push", "--json");
        Assert.True(push.ExitCode == 0 && push.LastJson.GetProperty("problems").GetArrayLength() == 0, push.ToString());
        Assert.Equal(0, cli.Run("check", "--remote", "offsite").ExitCode);
        Assert.Equal(0, cli.Run("mirror", "status").ExitCode);
    }

    [Fact]
    public void Remote_add_checks_the_server_the_keys_and_the_bucket_once()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        string bucket = S3TestServer.NewBucketName();
        void AssertRefused(DedupCli.Result result, string contains)
        {
            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Contains(contains, Assert.Single(result.StderrLines));
            Assert.Equal("[]", cli.Run("remote", "list", "--json").Stdout.Trim());
        }

        AssertRefused(cli.Run("remote", "add", "offsite", "--endpoint", S3TestServer.Endpoint!, "--bucket", bucket), "--create-bucket");
        AssertRefused(cli.Run("remote", "add", "offsite", "--endpoint", "http://127.0.0.1:1", "--bucket", bucket), "cannot reach");
        cli.Environment["DEDUP_S3_SECRET_KEY"] = "not-the-secret";
        AssertRefused(cli.Run("remote", "add", "offsite", "--endpoint", S3TestServer.Endpoint!, "--bucket", bucket, "--create-bucket"), "access denied");
        cli.Environment.Remove("DEDUP_S3_SECRET_KEY");

        var added = cli.Run("remote", "add", "offsite", "--endpoint", S3TestServer.Endpoint!, "--bucket", bucket, "--create-bucket", "--json");
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.True(added.LastJson.GetProperty("bucket_created").GetBoolean());
        using var store = S3TestServer.Store(bucket);
        Assert.True(store.BucketExistsAsync(None).GetAwaiter().GetResult());
        var again = cli.Run("remote", "add", "offsite", "--endpoint", S3TestServer.Endpoint!, "--bucket", bucket, "--create-bucket", "--json");
        Assert.True(again.ExitCode == 0 && !again.LastJson.GetProperty("added").GetBoolean(), again.ToString());
        Assert.Single(cli.Run("remote", "list", "--json").LastJson.EnumerateArray());
    }

    [Fact]
    public void Remotes_are_listed_and_removed_and_backup_mirror_pushes_after_the_backup()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        var (cli, source, bucket) = Setup(sandbox, 4);
        var again = cli.Run("remote", "add", "offsite", "--endpoint", S3TestServer.Endpoint!, "--bucket", bucket);
        Assert.True(again.ExitCode == 0, again.ToString()); // the same remote again changes nothing
        var elsewhere = cli.Run("remote", "add", "offsite", "--endpoint", S3TestServer.Endpoint!, "--bucket", S3TestServer.NewBucketName(), "--create-bucket");
        Assert.Equal(1, elsewhere.ExitCode);
        Assert.Contains("already exists with another location", elsewhere.Stderr);
        Assert.Equal(1, cli.Run("remote", "add", "bad", "--endpoint", "ftp://host", "--bucket", bucket).ExitCode);
        var list = cli.Run("remote", "list", "--json");
        Assert.Equal($"s3:{S3TestServer.Endpoint}/{bucket}", list.LastJson[0].GetProperty("location").GetString());
        Assert.DoesNotContain(S3TestServer.SecretKey, File.ReadAllText(sandbox.Path("repo", "remotes.json")));

        Assert.Equal(1, cli.Run("mirror", "status").ExitCode); // nothing pushed yet
        File.WriteAllText(Path.Combine(source, "new.txt"), "added before the second backup");
        var backup = cli.Run("backup", source, "--mirror", "offsite", "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.Equal("push", backup.LastJson.GetProperty("message_type").GetString());
        var status = cli.Run("mirror", "status", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal(2, status.LastJson.GetProperty("snapshots").GetArrayLength());

        Assert.Equal(0, cli.Run("remote", "remove", "offsite").ExitCode);
        Assert.Equal("[]", cli.Run("remote", "list", "--json").Stdout.Trim());
        Assert.Equal(1, cli.Run("mirror", "push").ExitCode);
    }

    [Fact]
    public void Prune_with_a_remote_brings_the_bucket_down_to_what_the_repository_holds()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        var (cli, source, bucket) = Setup(sandbox, 8);
        Assert.Equal(0, cli.Run("mirror", "push").ExitCode);
        File.Delete(Path.Combine(source, "big-0.bin"));
        Assert.Equal(0, cli.Run("backup", source, "--mirror", "offsite").ExitCode);
        Assert.Equal(0, cli.Run("forget", "--keep-last", "1").ExitCode);
        var prune = cli.Run("prune", "--repack-below", "0.9", "--remote", "offsite", "--json");
        Assert.True(prune.ExitCode == 0, prune.ToString());
        var remote = prune.LastJson.GetProperty("remote");
        Assert.True(remote.GetProperty("packs_deleted").GetInt32() > 0, prune.ToString());
        Assert.Equal(1, remote.GetProperty("snapshots_forgotten").GetInt32());

        using var bucketStore = S3TestServer.Store(bucket);
        var remotePacks = bucketStore.ListAsync(RemoteLayout.PacksPrefix, None).ToBlockingEnumerable().Select(o => o.Key[(o.Key.LastIndexOf('/') + 1)..]).Order();
        var localPacks = Directory.EnumerateFiles(sandbox.Path("repo", "packs"), "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order();
        Assert.Equal(localPacks, remotePacks);
        Assert.Equal(0, cli.Run("mirror", "status").ExitCode);

        // What the bucket now restores is exactly what the repository keeps.
        var recovered = new DedupCli(sandbox.Path("recovered"));
        var recover = recovered.Run("recover", "--remote", $"s3:{S3TestServer.Endpoint}/{bucket}", "--all", "--json");
        Assert.True(recover.ExitCode == 0, recover.ToString());
        Assert.Equal(1, recover.LastJson.GetProperty("snapshots").GetInt32());
        Assert.Equal(0, recovered.Run("check", "--read-data").ExitCode);
        string target = sandbox.Path("target");
        Assert.Equal(0, recovered.Run("restore", "latest", "--target", target).ExitCode);
        Assert.False(File.Exists(target + source + "/big-0.bin"));
        Assert.Equal(File.ReadAllBytes(source + "/big-1.bin"), File.ReadAllBytes(target + source + "/big-1.bin"));
    }

    [Fact]
    public void A_push_killed_at_random_moments_resumes_uploading_only_what_is_missing()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        // Through a proxy that counts upload bytes, so each kill lands at a chosen point inside the push.
        using var proxy = new FaultProxy(new Uri(S3TestServer.Endpoint!));
        var (cli, source, bucket) = Setup(sandbox, 80, proxy.Endpoint);
        using var bucketStore = S3TestServer.Store(bucket);
        var rng = new Random(7);
        // Upload bytes into each run (~84 MB of 16 MiB packs, 2 at once; an object appears only once complete).
        // At the kill the proxy also resets its connections: otherwise what the dead client had already handed to
        // the kernel still arrives and may complete an upload, and the count below would depend on timing.
        foreach (var (low, high) in new[] { (40, 50), (5, 15) })
        {
            long killAt = proxy.BytesUp + rng.Next(low, high) * 1_000_000L;
            using (var process = cli.Start(null, "mirror", "push", "--parallel", "2"))
            {
                process.StandardInput.Close();
                Poll.Until(() => proxy.BytesUp >= killAt || process.HasExited, TimeSpan.FromMinutes(2), $"the push to send {killAt} bytes");
                proxy.Stop();
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                process.WaitForExit();
                proxy.Start();
            }
            // Whatever the kill interrupted, nothing the remote records as mirrored is incomplete.
            var check = cli.Run("check", "--read-data", "--remote", "offsite");
            Assert.True(check.ExitCode == 0, $"after a kill at {killAt} bytes: {check}");
        }

        var local = Directory.EnumerateFiles(sandbox.Path("repo", "packs"), "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetFileName(f), f => new FileInfo(f).Length);
        var listed = bucketStore.ListAsync(RemoteLayout.PacksPrefix, None).ToBlockingEnumerable()
            .Where(o => local.TryGetValue(o.Key[(o.Key.LastIndexOf('/') + 1)..], out long size) && size == o.Size).Count();
        Assert.True(listed > 0 && listed < local.Count, $"{listed} of {local.Count} packs in the bucket: the kills did not land mid-push");
        var push = cli.Run("mirror", "push", "--json");
        Assert.True(push.ExitCode == 0, push.ToString());
        var summary = push.LastJson;
        int uploaded = summary.GetProperty("packs_uploaded").GetInt32();
        Assert.Equal(local.Count - listed, uploaded);
        Assert.Equal(local.Count, uploaded + summary.GetProperty("packs_verified_in_place").GetInt32() + summary.GetProperty("packs_already_mirrored").GetInt32());

        var status = cli.Run("mirror", "status", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        var json = status.LastJson;
        Assert.True(json.GetProperty("ok").GetBoolean());
        Assert.Equal(0, json.GetProperty("bytes_pending").GetInt64());
        Assert.All(json.GetProperty("snapshots").EnumerateArray(), s => Assert.True(s.GetProperty("remote").GetBoolean() && s.GetProperty("local").GetBoolean()));
        // And a push with nothing to do uploads nothing.
        var again = cli.Run("mirror", "push", "--json");
        Assert.Equal(0, again.LastJson.GetProperty("bytes_uploaded").GetInt64());
    }

    [Fact]
    public void Repair_heals_each_copy_from_the_other_and_names_what_neither_holds()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        // Small packs (TestRepository): damage one pack and the rest stay intact.
        string repo = TestRepository.Create(sandbox);
        string source = sandbox.Path("data");
        new RandomTreeWriter(source, seed: 5).Write(files: 12, bytesEach: 200_000);
        var snapshot = TestRepository.Backup(repo, [source]);
        var cli = new DedupCli(repo);
        string bucket = S3TestServer.NewBucketName();
        Assert.Equal(0, cli.Run("remote", "add", "offsite", "--endpoint", S3TestServer.Endpoint!, "--bucket", bucket, "--create-bucket").ExitCode);
        Assert.Equal(0, cli.Run("mirror", "push").ExitCode);
        using var bucketStore = S3TestServer.Store(bucket);
        // Data packs only: a tree pack damaged in both copies still has the trees the mirror's segments carry, and
        // names no file.
        var packs = TestRepository.DataPackFiles(repo).Order().ToList();
        Assert.True(packs.Count >= 4, $"{packs.Count} packs");

        // A bit flip in a local pack: repaired from the bucket.
        FlipByte(packs[0]);
        Assert.Equal(1, cli.Run("check", "--read-data").ExitCode);
        var repair = cli.Run("repair");
        Assert.True(repair.ExitCode == 0, repair.ToString());
        Assert.Contains("repaired local pack", repair.Stdout);
        Assert.Equal(0, cli.Run("check", "--read-data").ExitCode);

        // One remote pack deleted, another corrupted: both re-uploaded from the local copies.
        string Key(string path) => RemoteLayout.PacksPrefix + Path.GetFileName(path)[..2] + "/" + Path.GetFileName(path);
        bucketStore.DeleteAsync(Key(packs[1]), None).GetAwaiter().GetResult();
        var bytes = File.ReadAllBytes(packs[2]);
        bytes[bytes.Length / 2] ^= 0x40;
        bucketStore.PutAsync(Key(packs[2]), bytes, None).GetAwaiter().GetResult();
        var remoteCheck = cli.Run("check", "--read-data", "--remote", "offsite", "--json");
        Assert.Equal(1, remoteCheck.ExitCode);
        var damaged = remoteCheck.LastJson.GetProperty("remote").GetProperty("damaged_packs");
        Assert.Equal(2, damaged.EnumerateObject().Count());
        repair = cli.Run("repair", "--json");
        Assert.True(repair.ExitCode == 0, repair.ToString());
        Assert.Equal(2, repair.LastJson.GetProperty("repaired_remote").GetArrayLength());
        Assert.Equal(0, cli.Run("check", "--read-data", "--remote", "offsite").ExitCode);

        // Damaged in both: not healable; the error names the pack, the snapshot and the files.
        FlipByte(packs[3]);
        bucketStore.DeleteAsync(Key(packs[3]), None).GetAwaiter().GetResult();
        repair = cli.Run("repair");
        Assert.Equal(1, repair.ExitCode);
        Assert.Contains(Path.GetFileName(packs[3]), repair.Stderr);
        Assert.Contains($"affected snapshots: {snapshot.ShortId}", repair.Stderr);
        Assert.Contains(source + "/", repair.Stderr);
    }

    private static void FlipByte(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = stream.Length / 2;
        int b = stream.ReadByte();
        stream.Position = stream.Length / 2;
        stream.WriteByte((byte)(b ^ 0x01));
    }
}

/// <summary>Plain files of random bytes, for tests that need known sizes rather than random shapes.</summary>
internal sealed class RandomTreeWriter(string root, int seed)
{
    public void Write(int files, int bytesEach)
    {
        Directory.CreateDirectory(root);
        var rng = new Random(seed);
        for (int i = 0; i < files; i++)
        {
            var bytes = new byte[bytesEach];
            rng.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(root, $"file-{i:D2}.bin"), bytes);
        }
    }
}
