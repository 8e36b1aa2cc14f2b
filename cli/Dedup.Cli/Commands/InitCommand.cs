using System.CommandLine;

namespace Dedup.Cli.Commands;

public static class InitCommand
{
    public static Command Create()
    {
        var command = new Command("init", "Create a new repository (refuses to touch an existing one)");
        command.SetAction(parse => CliContext.Run(parse, context =>
        {
            string path = context.RepositoryPath;
            var config = Repository.Repository.Init(path, CliContext.Catalogs);
            if (context.Json) Console.Out.WriteLine(Format.ToJson(new { id = config.Id, repository = path }));
            else context.Info($"created dedup repository {config.Id[..10]} at {path}");
            return ExitCodes.Success;
        }));
        return command;
    }
}
