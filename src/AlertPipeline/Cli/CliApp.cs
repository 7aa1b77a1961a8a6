using System.CommandLine;
using System.CommandLine.Parsing;
using AlertPipeline.Hosting;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Extensions.Logging;

namespace AlertPipeline.Cli;

/// <summary>
/// The command-line root: lists the commands each feature defines (System.CommandLine), runs the one asked for, and
/// turns the failures a user can fix into one <c>error: ...</c> line and exit code 2. Exit codes: 0 success,
/// 2 bad arguments or configuration, 70 unexpected failure (Program.cs).
/// </summary>
internal static class CliApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("alertpipeline — safeguarding monitoring alert pipeline\n\nExit codes: 0 success, 2 bad arguments or configuration, 70 unexpected failure.")
        {
            DemoCommand.Create(),
            ServeCommand.Create(),
            Simulator.SimulateCommand.Create(() => new SerilogLoggerFactory(PipelineLogging.Create(null, Serilog.Events.LogEventLevel.Warning), dispose: true)),
            Triage.AlertsCommand.Create(CliServices.Create),
            Users.UsersCommand.Create(CliServices.Create),
            Ingest.ApiKeys.KeysCommand.Create(CliServices.Create),
            Detection.ScanCommand.Create(),
            Detection.Lists.KeywordsCommand.Create(CliServices.Create),
            Detection.EvalCommand.Create(),
            BenchCommand.Create(),
            Model.ModelCommand.Create(CliServices.Create),
            Replay.ReplayCommand.Create(CliServices.Create),
            Retention.RetentionCommand.Create(CliServices.Create),
            Detection.DeadLettersCommand.Create(CliServices.Create),
            Transport.Kafka.KafkaMockCommand.Create(),
            ResponderBenchCommand.Create(),
            Reports.ReportsCommand.Create(CliServices.Create),
            Checks.MonitoringCommand.Create(CliServices.Create),
            ConfigCommand.Create(),
            Schools.SchoolsCommand.Create(),
            ConsoleUi.RosterCommand.Create(),
            Backup.BackupCommand.CreateBackup(),
            Backup.BackupCommand.CreateRestore(),
            Installation.MigrateCommand.Create(),
            Installation.VersionCommand.Create(),
        };

        // `--version` is the `version` command (it also names the site configuration), not the bare assembly version.
        root.Options.Remove(root.Options.OfType<VersionOption>().Single());
        return root;
    }

    public static Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error) =>
        RunAsync(BuildRoot(), args, input, output, error);

    /// <summary>Runs <paramref name="args"/> against <paramref name="root"/> (tests give a root of their own).</summary>
    internal static async Task<int> RunAsync(RootCommand root, string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        args = args switch
        {
            ["--version"] => ["version"],
            // `help` and `help keys add` read as `--help` and `keys add --help`.
            ["help", .. var rest] => [.. rest, "--help"],
            _ => args,
        };

        // No response files: `keywords test "@name ..."` is text to test, not a file of arguments.
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var invocation = new CliInvocation
        {
            Input = input,
            Output = output,
            Error = error,
            // Exceptions reach the handlers below (exit 2 or 70), and each command handles Ctrl+C itself as before.
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };

        if (args.Length == 0)
        {
            // Bare `alertpipeline`: the overview, but not success, as before (a script calling it did something wrong).
            await root.Parse(["--help"]).InvokeAsync(invocation).ConfigureAwait(false);
            return 2;
        }

        var command = CliCommand.PathOf(parsed.CommandResult.Command);
        // Names only: values can be secrets (--api-key) or pupil text (keywords test "...").
        Log.Information("alertpipeline {Command} started with {Options}", command.Length == 0 ? "(none)" : command,
            parsed.Tokens.Where(t => t.Type == TokenType.Option).Select(t => t.Value).Distinct(StringComparer.Ordinal).ToList());
        try
        {
            if (parsed.Errors.Count > 0)
            {
                throw new CliException(ParseProblem(parsed));
            }

            var code = await parsed.InvokeAsync(invocation).ConfigureAwait(false);
            Log.Information("alertpipeline {Command} ended with exit code {ExitCode}", command, code);
            return code;
        }
        catch (Exception ex) when (UserProblem(ex) is { } problems)
        {
            foreach (var problem in problems)
            {
                Log.Error("alertpipeline {Command} failed (exit code 2): {Problem}", command, problem);
                await error.WriteLineAsync("error: " + problem).ConfigureAwait(false);
            }

            return 2;
        }
#pragma warning disable CA1031 // The last resort: anything else is a bug or the machine failing; logged with its stack, exit 70.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.Fatal(ex, "alertpipeline {Command} stopped unexpectedly (exit code 70)", command);
            await error.WriteLineAsync($"error: unexpected failure: {ex.Message} (details in {CommandLog.Where})").ConfigureAwait(false);
            return 70;
        }
    }

    /// <summary>
    /// The lines to print for a failure the user can fix (exit 2): bad arguments, configuration that fails validation,
    /// keyword lists that do not parse, a damaged or locked store, a missing file, a port in use. Null for anything else.
    /// </summary>
    private static IReadOnlyList<string>? UserProblem(Exception ex) => ex switch
    {
        CliException => [ex.Message],
        OptionsValidationException validation => [.. validation.Failures.Select(f => "configuration: " + f)],
        AggregateException aggregate when aggregate.InnerExceptions.All(e => e is OptionsValidationException) =>
            [.. aggregate.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures).Select(f => "configuration: " + f)],
        Detection.Lists.KeywordListException => ["keyword lists: " + ex.Message],
        Storage.StoreUnusableException or Storage.DataDirectoryLockedException or FileNotFoundException => [ex.Message],
        // A configuration file that is not JSON: Microsoft.Extensions.Configuration names the file, its inner exception the line.
        InvalidDataException when ex.Message.StartsWith("Failed to load configuration from file", StringComparison.Ordinal) =>
            ["configuration: " + ex.Message + (ex.InnerException is { } inner ? " " + inner.Message : "")],
        IOException when ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase) =>
            [$"cannot listen: {ex.Message} (choose another --port / --urls)"],
        _ => null,
    };

    /// <summary>One line for what System.CommandLine could not parse: the first problem, named, with a likely fix.</summary>
    private static string ParseProblem(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        var path = CliCommand.PathOf(command);
        if (parsed.UnmatchedTokens.Count > 0)
        {
            var token = parsed.UnmatchedTokens[0];
            if (token.StartsWith('-'))
            {
                return CliArgs.UnknownOption(command, path.Length == 0 ? "alertpipeline" : path, token);
            }

            if (command.Subcommands.Count > 0)
            {
                var suggestion = CliCommand.Suggest(command, token);
                return path.Length == 0
                    ? $"unknown command '{token}'" + (suggestion is null ? " (see 'alertpipeline --help')" : $" (did you mean '{suggestion}'?)")
                    : $"{path}: unknown subcommand '{token}'" + (suggestion is null ? $" ({SubcommandNames(command)})" : $" (did you mean '{suggestion}'?)");
            }

            return $"{path}: unexpected argument '{token}'";
        }

        var first = parsed.Errors[0];
        if (first.SymbolResult is OptionResult { Tokens.Count: 0 } option && option.Option.Arity.MinimumNumberOfValues > 0)
        {
            return $"{path}: {option.Option.Name} needs a value";
        }

        if (first.SymbolResult is CommandResult && command.Subcommands.Count > 0 && command.Action is null)
        {
            return $"{(path.Length == 0 ? "alertpipeline" : path)}: expected a subcommand: {SubcommandNames(command)}";
        }

        return $"{(path.Length == 0 ? "alertpipeline" : path)}: {first.Message}";
    }

    private static string SubcommandNames(Command command) => string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
}
