using System.CommandLine;
using Dedup.Mirror;

namespace Dedup.Cli.Commands;

/// <summary>dedup remote add | list | remove: where the repository is mirrored (S3-compatible object storage).</summary>
public static class RemoteCommand
{
    public static Command Create()
    {
        var command = new Command("remote", "Manage the remotes (S3-compatible buckets) the repository is mirrored to");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Remove());
        return command;
    }

    private static Command Add()
    {
        var name = new Argument<string>("NAME") { Description = "a name for the remote (letters, digits, - and _)" };
        var endpoint = new Option<string>("--endpoint") { Description = "http(s)://host[:port] of the S3 server (MinIO, Ceph RGW, AWS, …)", Required = true };
        var bucket = new Option<string>("--bucket") { Description = "bucket name", Required = true };
        var prefix = new Option<string?>("--prefix") { Description = "key prefix inside the bucket (several repositories can share a bucket)" };
        var region = new Option<string?>("--region") { Description = "region, when the server needs one" };
        var createBucket = new Option<bool>("--create-bucket") { Description = "create the bucket when it does not exist" };
        var noCheck = new Option<bool>("--no-check") { Description = "do not contact the server now (it is checked at the first push)" };
        var command = new Command("add", "Add a remote, after checking the server, the credentials and the bucket once; credentials are read from DEDUP_S3_ACCESS_KEY / DEDUP_S3_SECRET_KEY, never stored. Adding the same remote again changes nothing")
            { name, endpoint, bucket, prefix, region, createBucket, noCheck };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async context =>
        {
            if (!Repository.LocalRepository.Exists(context.RepositoryPath))
                throw new Core.DedupException($"no repository at {context.RepositoryPath} (run 'dedup init' first, or pass --repo)");
            var remote = RemoteDefinition.Create(parse.GetValue(name)!, parse.GetValue(endpoint)!, parse.GetValue(bucket)!, parse.GetValue(prefix), parse.GetValue(region));
            var registry = Remotes.Registry(context);
            var existing = registry.List().FirstOrDefault(r => r.Name == remote.Name);
            if (existing is not null && existing != remote)
                throw new Core.DedupException($"a remote named {remote.Name} already exists with another location ({existing.Location}); remove it first or pick another name");
            bool created = false;
            if (!parse.GetValue(noCheck))
            {
                using var connection = Remotes.Connect(remote);
                if (!await connection.BucketExistsAsync(ct))
                {
                    if (!parse.GetValue(createBucket))
                        throw new Core.DedupException($"bucket {remote.Bucket} does not exist at {remote.Endpoint} (pass --create-bucket to create it)");
                    await connection.EnsureBucketAsync(ct);
                    created = true;
                }
            }
            if (existing is null) registry.Add(remote);
            string what = existing is null ? "added remote" : "remote already configured:";
            if (context.Json) Console.Out.WriteLine(Format.ToJson(new { name = remote.Name, location = remote.Location, added = existing is null, bucket_created = created }));
            else context.Info($"{what} {remote.Name}: {remote.Location}{(created ? " (bucket created)" : "")}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List remotes");
        command.SetAction(parse => CliContext.Run(parse, context =>
        {
            var remotes = Remotes.Registry(context).List();
            if (context.Json)
            {
                Console.Out.WriteLine(Format.ToJson(remotes.Select(r => new { name = r.Name, endpoint = r.Endpoint, bucket = r.Bucket, prefix = r.Prefix, region = r.Region, location = r.Location })));
                return ExitCodes.Success;
            }
            foreach (var r in remotes) Console.Out.WriteLine($"{r.Name,-12} {r.Location}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("NAME") { Description = "remote name" };
        var command = new Command("remove", "Forget a remote (the bucket is left as it is)") { name };
        command.SetAction(parse => CliContext.Run(parse, context =>
        {
            Remotes.Registry(context).Remove(parse.GetValue(name)!);
            context.Info($"removed remote {parse.GetValue(name)}");
            return ExitCodes.Success;
        }));
        return command;
    }
}
