using System.CommandLine;
using Dedup.Crypto;
using Dedup.Repository;

namespace Dedup.Cli.Commands;

/// <summary>dedup key list | add | remove ID | passwd: several passwords open one repository; the master key never changes.</summary>
public static class KeyCommand
{
    public static Option<int> KdfMemoryOption() => new("--kdf-memory") { Description = "Argon2id memory in MiB for the new key (default 64)", DefaultValueFactory = _ => KdfParameters.Default.MemoryKib / 1024 };
    public static Option<int> KdfIterationsOption() => new("--kdf-iterations") { Description = "Argon2id passes for the new key (default 3)", DefaultValueFactory = _ => KdfParameters.Default.Iterations };

    private static readonly Option<string?> NewPasswordFile = new("--new-password-file") { Description = "read the new password from this file (default: $DEDUP_NEW_PASSWORD, else a prompt)" };

    public static Command Create()
    {
        var command = new Command("key", "Manage the passwords (keys) that open the repository");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Add("add", "Add a password that opens the repository", replaceCurrent: false));
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(Add("passwd", "Change the password: add the new one, remove the one used to open", replaceCurrent: true));
        return command;
    }

    private static (KeyStore Store, MasterKey Master, KeyFile Current) OpenKeys(CliContext context)
    {
        var layout = new RepositoryLayout(context.RepositoryPath);
        if (!File.Exists(layout.ConfigPath)) throw new Core.DedupException($"no repository at {layout.Root} (run 'dedup init' first, or pass --repo)");
        var config = RepositoryConfig.Parse(File.ReadAllBytes(layout.ConfigPath));
        var store = Repository.LocalRepository.OpenKeys(layout, config);
        var (master, key) = store.Open(context.Password());
        return (store, master, key);
    }

    private static Command List()
    {
        var command = new Command("list", "List keys");
        command.SetAction(parse => CliContext.Run(parse, context =>
        {
            var (store, _, current) = OpenKeys(context);
            var keys = store.List();
            if (context.Json)
            {
                Console.Out.WriteLine(Format.ToJson(keys.Select(k => new { id = k.Id, current = k.Id == current.Id, user = k.User, host = k.Host, created = k.Created, kdf = k.Kdf, memory_kib = k.MemoryKib, iterations = k.Iterations })));
                return ExitCodes.Success;
            }
            Console.Out.WriteLine($" {"ID",-17} {"User",-10} {"Host",-12} {"Created",-19}  KDF");
            foreach (var k in keys)
                Console.Out.WriteLine($"{(k.Id == current.Id ? '*' : ' ')}{k.Id,-17} {k.User,-10} {k.Host,-12} {Format.Time(k.Created),-19}  argon2id {k.MemoryKib / 1024} MiB x{k.Iterations}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Add(string name, string description, bool replaceCurrent)
    {
        var kdfMemory = KdfMemoryOption();
        var kdfIterations = KdfIterationsOption();
        var command = new Command(name, description) { NewPasswordFile, kdfMemory, kdfIterations };
        command.SetAction(parse => CliContext.Run(parse, context =>
        {
            var (store, master, current) = OpenKeys(context);
            string password = Passwords.Read(parse.GetValue(NewPasswordFile), "DEDUP_NEW_PASSWORD", "enter new password: ", confirm: true);
            var kdf = new KdfParameters(parse.GetValue(kdfMemory) * 1024, parse.GetValue(kdfIterations));
            kdf.Validate();
            var added = store.Add(master, password, kdf, DateTimeOffset.UtcNow);
            if (replaceCurrent) store.Remove(current.Id);
            if (context.Json) Console.Out.WriteLine(Format.ToJson(new { added = added.Id, removed = replaceCurrent ? current.Id : null }));
            else context.Info(replaceCurrent ? $"password changed: key {added.Id} replaces {current.Id}" : $"saved new key {added.Id}");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Remove()
    {
        var id = new Argument<string>("ID") { Description = "key id (see 'dedup key list')" };
        var command = new Command("remove", "Remove a key (not the last one)") { id };
        command.SetAction(parse => CliContext.Run(parse, context =>
        {
            var (store, _, _) = OpenKeys(context);
            store.Remove(parse.GetValue(id)!);
            context.Info($"removed key {parse.GetValue(id)}");
            return ExitCodes.Success;
        }));
        return command;
    }
}
