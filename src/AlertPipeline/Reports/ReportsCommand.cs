using System.CommandLine;
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
    public static Command Create(Func<CliArgs, ServiceProvider> offlineServices)
    {
        CliOption[] store = [CliOption.DataDir, CliOption.Config];
        var school = new CliOption("school", "a school id, or trust for the whole trust", "ID|trust");
        return CliCommand.Group("reports", "the governor summary and the annual review, as the console and the schedule make them",
            CliCommand.Leaf("governor", "the anonymised governor summary as a PDF (the same report the schedule emails and the console offers)",
                [.. store, school, new("from", "the first day", "yyyy-MM-dd"), new("to", "the last day", "yyyy-MM-dd"), new("out", "the PDF to write", "FILE.pdf")],
                (args, io) => Governor(args, io.Output, offlineServices)),
            CliCommand.Leaf("annual-review", "the annual online-safety review pack: annual-review.pdf, a CSV per table and annual-review.json in DIR",
                [.. store, school, new("year", "the academic year", "2025-26"), new("out", "the directory to write", "DIR")],
                (args, io) => AnnualReview(args, io.Output, offlineServices)));
    }

    private static int Governor(CliArgs args, TextWriter output, Func<CliArgs, ServiceProvider> offlineServices)
    {
        args.NoPositionals();
        var school = Required(args, "school");
        var from = Date(args, "from");
        var to = Date(args, "to");
        if (to < from)
        {
            throw new CliException($"reports governor: --to ({to:yyyy-MM-dd}) is before --from ({from:yyyy-MM-dd})");
        }

        var outFile = Required(args, "out");
        using var services = offlineServices(args);
        _ = Alerts.AlertServices.RequireStore(services, "reports governor");
        RequireSchool(services, "reports governor", school);
        var (data, pdf) = CliProgress.Run(output, "reports governor", step =>
        {
            step("reading the alerts");
            var data = services.GetRequiredService<GovernorReportBuilder>().Build(new ReportPeriod(school, from, to));
            step("rendering the PDF");
            return (data, GovernorPdf.Render(data));
        });
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
        File.WriteAllBytes(outFile, pdf);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {outFile} ({pdf.Length / 1024:N0} KiB): governor summary for {data.ScopeName}, {data.Period.Label}; {data.Current.Total.Display} alerts"));
        return 0;
    }

    private static int AnnualReview(CliArgs args, TextWriter output, Func<CliArgs, ServiceProvider> offlineServices)
    {
        args.NoPositionals();
        var school = Required(args, "school");
        var yearText = Required(args, "year");
        var year = Reports.AnnualReview.AcademicYear.Parse(yearText)
            ?? throw new CliException($"reports annual-review: --year must be an academic year such as 2025-26 (was '{yearText}')");
        var outDir = Required(args, "out");
        using var services = offlineServices(args);
        _ = Alerts.AlertServices.RequireStore(services, "reports annual-review");
        RequireSchool(services, "reports annual-review", school);
        output.WriteLine($"building the {year} review for {school}...");
        var data = CliProgress.Run(output, "reports annual-review", step =>
        {
            step("reading the year's alerts");
            return services.GetRequiredService<Reports.AnnualReview.AnnualReviewBuilder>().Build(school, year);
        });
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
