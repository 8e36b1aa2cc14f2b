using System.CommandLine;
using Dedup.Mirror;

namespace Dedup.Cli.Commands;

/// <summary>dedup recover: the disaster-recovery path, a working local repository from the bucket alone.</summary>
public static class RecoverCommand
{
    public static Command Create()
    {
        var remote = new Option<string>("--remote") { Description = "remote name, or its location s3:http(s)://host:port/bucket/prefix when the repository is gone", Required = true };
        var all = new Option<bool>("--all") { Description = "fetch every pack now (default: only the catalog; restore --remote fetches blocks on demand)" };
        var name = new Option<string>("--name") { Description = "name to register the remote under in the recovered repository", DefaultValueFactory = _ => "offsite" };
        var parallel = Remotes.ParallelOption();
        var command = new Command("recover", "Rebuild the local repository (--repo) from a remote: config, keys and catalog, and with --all every pack")
            { remote, all, name, parallel };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async context =>
        {
            string given = parse.GetValue(remote)!;
            var definition = RemoteDefinition.IsLocation(given)
                ? RemoteDefinition.ParseLocation(given, parse.GetValue(name)!)
                : Remotes.Resolve(context, given);
            using var connection = Remotes.Connect(definition);
            var report = await ProgressDisplay.RunAsync(context, "recover", "packs", counter =>
                RemoteRecovery.RecoverAsync(connection.Store, context.RepositoryPath, CliContext.Catalogs, context.Password, new RecoverOptions
                {
                    AllPacks = parse.GetValue(all),
                    Parallel = parse.GetValue(parallel),
                    OnTotal = counter.SetTotal,
                    OnProgress = counter.ItemDone,
                }, ct));
            var registry = Remotes.Registry(context);
            if (registry.List().All(r => r.Name != definition.Name && r.Location != definition.Location)) registry.Add(definition);
            if (context.Json)
            {
                Console.Out.WriteLine(Format.ToJson(new
                {
                    message_type = "recover",
                    repository = context.RepositoryPath,
                    remote = definition.Name,
                    created = report.Created,
                    records_imported = report.RecordsImported,
                    audit_records_imported = report.AuditRecordsImported,
                    snapshots = report.Snapshots,
                    packs_fetched = report.PacksFetched,
                    packs_in_bucket = report.PacksInBucket,
                    bytes_downloaded = connection.Counter.BytesDownloaded,
                    problems = report.Problems,
                }));
            }
            else
            {
                foreach (var problem in report.Problems) Console.Error.WriteLine($"warning: {problem}");
                context.Info($"recovered {context.RepositoryPath} from {definition.Location}: {report.Snapshots} snapshots, {report.AuditRecordsImported} audit records, " +
                    $"{report.PacksFetched} of {report.PacksInBucket} packs fetched ({Format.Bytes(connection.Counter.BytesDownloaded)} downloaded); remote registered as {definition.Name}");
                if (!parse.GetValue(all) && report.PacksInBucket > 0)
                    context.Info($"packs stay in the bucket: check, verify and restore read them from {definition.Name}; 'dedup recover --remote {definition.Name} --all' fetches them");
            }
            return report.Problems.Count == 0 ? ExitCodes.Success : ExitCodes.Error;
        }));
        return command;
    }
}
