using System.Text.Json;
using Dedup.Mirror;
using Dedup.Snapshots;
using Dedup.Storage;
using Dedup.Tests.Support;

namespace Dedup.Tests.Mirror;

/// <summary>The audit log travels with the mirror: what a recovery from the bucket brings back includes the drills
/// and checks, so status after a recovery knows them.</summary>
public class AuditMirrorTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Pushes_add_only_what_the_bucket_lacks_fold_many_segments_into_one_and_replace_a_damaged_one()
    {
        using var sandbox = new Sandbox();
        string repo = TestRepository.Create(sandbox);
        var bucket = new MemoryObjectStore();
        using var repository = TestRepository.Open(repo);
        var start = DateTimeOffset.Parse("2026-03-01T02:00:00Z");
        var problems = new List<string>();
        for (int i = 0; i < AuditMirror.MaxSegments + 6; i++)
        {
            repository.AppendAudit(new AuditRecord { Time = start.AddHours(i), Action = "check", Ok = true, Detail = $"run {i}" });
            Assert.Equal(1, await AuditMirror.PushAsync(repository, bucket, problems, null, None));
            Assert.Equal(0, await AuditMirror.PushAsync(repository, bucket, problems, null, None));
        }
        var state = await AuditMirror.LoadAsync(bucket, repository.Protection.CatalogSealer, 4, None);
        Assert.InRange(state.Segments.Count, 1, AuditMirror.MaxSegments);
        Assert.Equal(AuditMirror.MaxSegments + 6, state.Records.Count);
        Assert.Empty(problems);

        // A damaged segment is reported, and what it held (still here) is uploaded again before it is deleted.
        string key = RemoteLayout.AuditSegment(state.Segments[^1]);
        await bucket.PutAsync(key, "damaged"u8.ToArray(), None);
        Assert.True(await AuditMirror.PushAsync(repository, bucket, problems, null, None) > 0);
        Assert.Contains(problems, p => p.Contains("damaged audit segment"));
        Assert.Null(await bucket.StatAsync(key, None));
        state = await AuditMirror.LoadAsync(bucket, repository.Protection.CatalogSealer, 4, None);
        Assert.Empty(state.DamagedSegments);
        Assert.Equal(AuditMirror.MaxSegments + 6, state.Records.Count);

        // A recovery brings every record back, in order.
        await new MirrorPusher(repository, bucket, new PushOptions()).PushAsync(None);
        var report = await RemoteRecovery.RecoverAsync(bucket, sandbox.Path("recovered"), TestRepository.Catalogs, () => TestRepository.Password, new RecoverOptions(), None);
        Assert.Equal(AuditMirror.MaxSegments + 6, report.AuditRecordsImported);
        using var recovered = TestRepository.Open(sandbox.Path("recovered"));
        Assert.Equal(repository.Catalog.Audit().Select(r => r.Detail), recovered.Catalog.Audit().Select(r => r.Detail));
    }

    [Fact]
    public void After_a_recovery_audit_lists_the_same_records_and_status_knows_the_last_drill_and_check()
    {
        if (!S3TestServer.Available()) return;
        using var sandbox = new Sandbox();
        string data = sandbox.Path("data");
        new RandomTreeWriter(data, seed: 3).Write(files: 3, bytesEach: 300_000);
        var cli = new DedupCli(sandbox.Path("repo"));
        Assert.Equal(0, cli.Init().ExitCode);
        string bucket = S3TestServer.NewBucketName();
        Assert.Equal(0, cli.Run("remote", "add", "offsite", "--endpoint", S3TestServer.Endpoint!, "--bucket", bucket, "--create-bucket").ExitCode);
        string policy = sandbox.Path("dedup.toml");
        File.WriteAllText(policy, $"remote = \"offsite\"\n[[set]]\nname = \"contacts\"\npaths = [\"{data}\"]\ntier = \"critical\"\n");
        Assert.Equal(0, cli.Run("run", "--policy", policy).ExitCode);
        Assert.Equal(0, cli.Run("verify", "latest").ExitCode);
        var push = cli.Run("mirror", "push", "--json");
        Assert.True(push.ExitCode == 0 && push.LastJson.GetProperty("audit_records_uploaded").GetInt32() > 0, push.ToString());
        string before = cli.Run("audit", "--json").Stdout;
        int records = JsonDocument.Parse(before).RootElement.GetArrayLength();

        Directory.Delete(sandbox.Path("repo"), recursive: true);
        var recover = cli.Run("recover", "--remote", $"s3:{S3TestServer.Endpoint}/{bucket}", "--json");
        Assert.True(recover.ExitCode == 0, recover.ToString());
        Assert.Equal(records, recover.LastJson.GetProperty("audit_records_imported").GetInt32());
        Assert.Equal(before, cli.Run("audit", "--json").Stdout);

        var status = cli.Run("status", "--policy", policy, "--json").LastJson;
        var set = status.GetProperty("sets")[0];
        Assert.True(set.GetProperty("rto_met").GetBoolean(), set.ToString());
        Assert.Equal(JsonValueKind.Object, status.GetProperty("last_check").ValueKind);
        Assert.DoesNotContain(set.GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains("drill"));
    }
}
