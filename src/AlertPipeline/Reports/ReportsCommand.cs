using System.Globalization;
using AlertPipeline.Cli;
using AlertPipeline.Reports.GovernorSummary;

namespace AlertPipeline.Reports;

/// <summary>
/// <c>alertpipeline reports governor|annual-review</c>: the same builders and renderers as the scheduled email and the
/// console downloads, run against a data directory.
/// </summary>
internal static class ReportsCommand
{
    public static int Run(string[] rest, TextWriter output) => (rest.Length == 0 ? null : rest[0]) switch
    {
        "governor" => Governor(rest[1..], output),
        _ => throw new CliException("reports: expected a subcommand: governor"),
    };

    private static int Governor(string[] rest, TextWriter output)
    {
        var args = CliArgs.Parse("reports governor", rest, ["data-dir", "config", "school", "from", "to", "out"]);
        args.NoPositionals();
        var school = Required(args, "school");
        var from = Date(args, "from");
        var to = Date(args, "to");
        if (to < from)
        {
            throw new CliException($"reports governor: --to ({to:yyyy-MM-dd}) is before --from ({from:yyyy-MM-dd})");
        }

        var outFile = Required(args, "out");
        using var services = CliServices.Create(args);
        RequireStore(services, "reports governor");
        var schools = services.GetRequiredService<Schools.SchoolDirectory>();
        if (school != ReportPeriod.Trust && schools.Configured.All(s => s.SchoolId != school))
        {
            throw new CliException($"reports governor: --school '{school}' is not a configured school (one of {string.Join(", ", schools.Configured.Select(s => s.SchoolId))}, or 'trust')");
        }

        var data = services.GetRequiredService<GovernorReportBuilder>().Build(new ReportPeriod(school, from, to));
        var pdf = GovernorPdf.Render(data);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
        File.WriteAllBytes(outFile, pdf);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {outFile} ({pdf.Length / 1024:N0} KiB): governor summary for {data.ScopeName}, {data.Period.Label}; {data.Current.Total.Display} alerts"));
        return 0;
    }

    internal static void RequireStore(ServiceProvider services, string command)
    {
        var data = CliServices.DataDirectory(services);
        if (!File.Exists(Path.Combine(data, "alerts.db")))
        {
            throw new CliException($"{command}: no alert store in '{data}' (run 'alertpipeline demo' or 'serve' with this --data-dir first)");
        }
    }

    private static string Required(CliArgs args, string name) =>
        args.Get(name) is { Length: > 0 } value ? value : throw new CliException($"{args.Command}: --{name} is required");

    private static DateOnly Date(CliArgs args, string name)
    {
        var text = Required(args, name);
        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new CliException($"{args.Command}: --{name} must be a date as yyyy-MM-dd (was '{text}')");
    }
}
