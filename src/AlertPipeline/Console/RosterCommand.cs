using System.CommandLine;
using AlertPipeline.Cli;
using AlertPipeline.Hosting;
using Microsoft.Extensions.Options;

namespace AlertPipeline.ConsoleUi;

/// <summary>
/// <c>alertpipeline roster check [--file FILE [--school ID]]</c>: reads a roster file (or every configured one) as the
/// host would and prints which columns it used, how many pupils, and each row it could not use. Exit 1 when a row
/// was skipped or a value not understood, so a scheduled export can be checked before it is copied into place.
/// </summary>
internal static class RosterCommand
{
    public static Command Create() => CliCommand.Group("roster", "the pupil roster (MIS export)",
        CliCommand.Leaf("check", "read a roster as the host would; print the columns used and the rows it cannot use",
            [new("file", "a roster file (default: the configured ones)", "FILE"), new("school", "with --file: the school it is for", "ID"), CliOption.Config],
            (args, io) => Check(args, io.Output)));

    private static int Check(CliArgs args, TextWriter output)
    {
        args.NoPositionals();
        IEnumerable<(string Path, string? School)> sources;
        if (args.Get("file") is { } file)
        {
            if (!File.Exists(file))
            {
                throw new CliException($"roster check: file '{file}' does not exist");
            }

            sources = [(file, args.Get("school"))];
        }
        else
        {
            var configuration = PipelineConfiguration.Build(args.Get("config"), new Dictionary<string, string?>());
            var options = configuration.GetSection(ConsoleOptions.Section).Get<ConsoleOptions>() ?? new ConsoleOptions();
            sources = new Roster(Options.Create(options)).Sources().ToList();
        }

        var problems = 0;
        foreach (var (path, school) in sources)
        {
            RosterFileResult result;
            try
            {
                result = RosterCsv.Read(path, school);
            }
            catch (RosterFormatException ex)
            {
                throw new CliException("roster check: " + ex.Message);
            }

            output.WriteLine($"{path}: {result.Pupils.Count} pupils ({string.Join(", ", result.Pupils.GroupBy(p => p.SchoolId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))})");
            output.WriteLine($"  columns used: {result.Columns}");
            foreach (var problem in result.Problems)
            {
                output.WriteLine("  " + problem);
            }

            problems += result.Problems.Count;
        }

        return problems == 0 ? 0 : 1;
    }
}
