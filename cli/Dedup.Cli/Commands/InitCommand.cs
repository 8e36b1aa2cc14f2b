using System.CommandLine;
using Dedup.Crypto;
using Dedup.Repository;

namespace Dedup.Cli.Commands;

public static class InitCommand
{
    public static Command Create()
    {
        var encryption = new Option<string>("--encryption") { Description = "aes256-gcm (default) or none (plaintext: for tests and throwaway data)", DefaultValueFactory = _ => RepositoryConfig.EncryptionAesGcm };
        encryption.AcceptOnlyFromAmong(RepositoryConfig.EncryptionAesGcm, RepositoryConfig.EncryptionNone);
        var kdfMemory = KeyCommand.KdfMemoryOption();
        var kdfIterations = KeyCommand.KdfIterationsOption();
        var command = new Command("init", "Create a new repository (encrypted unless --encryption none; refuses to touch an existing one)") { encryption, kdfMemory, kdfIterations };
        command.SetAction(parse => CliContext.Run(parse, context =>
        {
            string path = context.RepositoryPath;
            if (Repository.LocalRepository.Exists(path)) throw new Core.DedupException($"a repository already exists at {path}");
            bool encrypted = parse.GetValue(encryption) == RepositoryConfig.EncryptionAesGcm;
            var options = new InitOptions
            {
                Password = encrypted ? context.NewRepositoryPassword() : null,
                Kdf = new KdfParameters(parse.GetValue(kdfMemory) * 1024, parse.GetValue(kdfIterations)),
            };
            options.Kdf.Validate();
            var config = Repository.LocalRepository.Init(path, CliContext.Catalogs, options);
            if (context.Json) Console.Out.WriteLine(Format.ToJson(new { id = config.Id, repository = path, encryption = config.Encryption }));
            else context.Info($"created {(encrypted ? "encrypted" : "plaintext")} dedup repository {config.Id[..10]} at {path}"
                + (encrypted ? "\nPlease note that knowledge of your password is required to access the repository.\nLosing your password means that your data is irrecoverably lost." : ""));
            return ExitCodes.Success;
        }));
        return command;
    }
}
