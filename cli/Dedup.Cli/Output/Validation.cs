using System.CommandLine;

namespace Dedup.Cli;

public static class Validation
{
    /// <summary>An unknown "--flag" would otherwise be taken as a PATH argument; make it the usage error it is.</summary>
    public static Argument<string[]> RejectUnknownOptions(this Argument<string[]> argument, Option<bool>? unless = null)
    {
        argument.Validators.Add(result =>
        {
            if (unless is not null && result.GetValue(unless)) return;
            foreach (var token in result.Tokens)
                if (token.Value.StartsWith('-') && token.Value.Length > 1 && !Path.Exists(token.Value))
                    result.AddError($"unknown option '{token.Value}'");
        });
        return argument;
    }
}
