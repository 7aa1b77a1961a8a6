using System.CommandLine;
using System.CommandLine.Help;

namespace AlertPipeline.Kernel;

/// <summary>What a command's action writes to and reads from: the process's console, or a test's writers.</summary>
internal sealed record CliIo(TextReader Input, TextWriter Output);

/// <summary>
/// One option of a command as the features declare it: <c>--name VALUE</c>, or a flag. Every value option is a
/// string to System.CommandLine; the command checks and converts it with <see cref="CliArgs"/>, whose messages name
/// the option, the range and the bad value (the wording scripts and tests already rely on).
/// </summary>
internal sealed record CliOption(string Name, string Description, string? Value = null, bool IsFlag = false, string[]? Choices = null)
{
    public static CliOption DataDir => new("data-dir", "the data directory (default: Storage:DataDirectory of the configuration)", "DIR");

    public static CliOption Config => new("config", "a configuration file, read over the defaults and the site configuration", "FILE");

    public static CliOption Lists => new("lists", "the keyword lists directory (default: seeds/keywords beside the program)", "DIR");

    public static CliOption Flag(string name, string description) => new(name, description, IsFlag: true);

    public static CliOption Choice(string name, string description, params string[] choices) =>
        new(name, description, string.Join('|', choices), Choices: choices);

    internal Option ToOption()
    {
        if (IsFlag)
        {
            return new Option<bool>("--" + Name) { Description = Description, Arity = ArgumentArity.Zero };
        }

        var option = new Option<string>("--" + Name) { Description = Description, HelpName = Value ?? Name.ToUpperInvariant() };
        if (Choices is not null)
        {
            option.CompletionSources.Add(Choices);
        }

        return option;
    }
}

/// <summary>The positional arguments of a command (FILE, ALERT_ID...): how many is checked by the command, with its own message.</summary>
internal sealed record CliPositional(string Name, string Description);

/// <summary>
/// Builds the <see cref="Command"/>s each feature declares beside its code. Help (<c>-h</c>, <c>--help</c>), typo
/// suggestions and completion come from System.CommandLine; the action receives a <see cref="CliArgs"/> read from the
/// parse result and the <see cref="CliIo"/> of this run.
/// </summary>
internal static class CliCommand
{
    public static Command Leaf(string name, string description, IEnumerable<CliOption> options, Func<CliArgs, CliIo, Task<int>> run, CliPositional? positional = null)
    {
        var command = new Command(name, description);
        foreach (var option in options)
        {
            command.Options.Add(option.ToOption());
        }

        if (positional is not null)
        {
            command.Arguments.Add(new Argument<string[]>(positional.Name) { Description = positional.Description, Arity = ArgumentArity.ZeroOrMore });
        }

        command.SetAction((result, _) => run(CliArgs.From(result), CliInvocation.Io(result)));
        return command;
    }

    public static Command Leaf(string name, string description, IEnumerable<CliOption> options, Func<CliArgs, CliIo, int> run, CliPositional? positional = null) =>
        Leaf(name, description, options, (args, io) => Task.FromResult(run(args, io)), positional);

    /// <summary>A command that only holds subcommands (<c>keys add|list|revoke</c>): on its own it is an error naming them.</summary>
    public static Command Group(string name, string description, params Command[] subcommands)
    {
        var command = new Command(name, description);
        foreach (var sub in subcommands)
        {
            command.Subcommands.Add(sub);
        }

        return command;
    }

    /// <summary>The words that lead to <paramref name="command"/>: <c>keys add</c> (the root is left out).</summary>
    public static string PathOf(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is Command c and not RootCommand; s = s.Parents.FirstOrDefault())
        {
            names.Add(c.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>Option and subcommand names of <paramref name="command"/> a user may have meant by <paramref name="token"/>.</summary>
    public static string? Suggest(Command command, string token)
    {
        var candidates = token.StartsWith('-')
            ? command.Options.Where(o => o is not HelpOption && !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name))
            : command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
        return candidates
            .Select(c => (Name: c, Distance: Distance(token, c)))
            // Three edits, as System.CommandLine's own typo corrections allow; closer ones first.
            .Where(c => c.Distance <= Math.Min(3, Math.Max(1, c.Name.Length / 2)))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => c.Name)
            .FirstOrDefault();
    }

    private static int Distance(string a, string b)
    {
        // Levenshtein over two rows: option names are short, so this costs nothing next to starting the process.
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}

/// <summary>The invocation settings of one run, carrying its input too (System.CommandLine has writers only).</summary>
internal sealed class CliInvocation : InvocationConfiguration
{
    public required TextReader Input { get; init; }

    public static CliIo Io(ParseResult result) => result.InvocationConfiguration is CliInvocation invocation
        ? new CliIo(invocation.Input, invocation.Output)
        : new CliIo(Console.In, result.InvocationConfiguration.Output);
}
