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
        "annual-review" => AnnualReview(rest[1..], output),
        _ => throw new CliException("reports: expected a subcommand: governor, annual-review"),
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
        RequireSchool(services, "reports governor", school);
        var data = services.GetRequiredService<GovernorReportBuilder>().Build(new ReportPeriod(school, from, to));
        var pdf = GovernorPdf.Render(data);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
        File.WriteAllBytes(outFile, pdf);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {outFile} ({pdf.Length / 1024:N0} KiB): governor summary for {data.ScopeName}, {data.Period.Label}; {data.Current.Total.Display} alerts"));
        return 0;
    }

    private static int AnnualReview(string[] rest, TextWriter output)
    {
        var args = CliArgs.Parse("reports annual-review", rest, ["data-dir", "config", "school", "year", "out"]);
        args.NoPositionals();
        var school = Required(args, "school");
        var yearText = Required(args, "year");
        var year = Reports.AnnualReview.AcademicYear.Parse(yearText)
            ?? throw new CliException($"reports annual-review: --year must be an academic year such as 2025-26 (was '{yearText}')");
        var outDir = Required(args, "out");
        using var services = CliServices.Create(args);
        RequireStore(services, "reports annual-review");
        RequireSchool(services, "reports annual-review", school);
        output.WriteLine($"building the {year} review for {school}...");
        var data = services.GetRequiredService<Reports.AnnualReview.AnnualReviewBuilder>().Build(school, year);
        var files = Reports.AnnualReview.AnnualReviewPack.Write(data, outDir, file => output.WriteLine("  wrote " + file));
        output.WriteLine($"annual review pack for {data.ScopeName}, {year}: {files.Count} files in {outDir}");
        return 0;
    }

    private static void RequireSchool(ServiceProvider services, string command, string school)
    {
        var schools = services.GetRequiredService<Schools.SchoolDirectory>();
        if (school != ReportPeriod.Trust && schools.Configured.All(s => s.SchoolId != school))
        {
            throw new CliException($"{command}: --school '{school}' is not a configured school (one of {string.Join(", ", schools.Configured.Select(s => s.SchoolId))}, or 'trust')");
        }
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
