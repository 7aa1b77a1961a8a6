using System.Net;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Reports;

/// <summary><c>alertpipeline reports governor|annual-review</c> against a real data directory, and the annual review download by role.</summary>
public sealed class ReportCommandTests
{
    [Fact]
    public async Task ReportsCommands_StoreWithNovemberAlerts_WriteReadablePdfsAndACsvPerTable()
    {
        using var data = new TempDirectory();
        await using (var host = await TestHost.StartAsync(dataDirectory: data.Path))
        {
            GovernorSummaryTests.SaveNovember(host);
        }

        var governorPdf = Path.Combine(data.Path, "out", "governor.pdf");
        var (code, output, error) = await CliTests.RunAsync(
            ["reports", "governor", "--school", "oakfield", "--from", "2026-11-01", "--to", "2026-11-30", "--out", governorPdf, "--data-dir", data.Path]);
        Assert.True(code == 0, error);
        Assert.Contains("governor summary for Oakfield Academy, November 2026; 17 alerts", output, StringComparison.Ordinal);
        Assert.Matches(@"Suicide\s+9\b", await PdfText.ExtractAsync(await File.ReadAllBytesAsync(governorPdf)));

        var pack = Path.Combine(data.Path, "review");
        (code, output, error) = await CliTests.RunAsync(["reports", "annual-review", "--school", "oakfield", "--year", "2026-27", "--out", pack, "--data-dir", data.Path]);
        Assert.True(code == 0, error);
        Assert.Contains("wrote " + Path.Combine(pack, "annual-review.pdf"), output, StringComparison.Ordinal); // progress, file by file
        foreach (var table in new[] { "roles", "monitoring-categories", "list-changes", "rules", "never-fired-by-category", "thin-coverage", "risk-profile", "checks", "latest-check-by-category" })
        {
            Assert.True(File.Exists(Path.Combine(pack, table + ".csv")), table + ".csv");
        }

        var categories = await File.ReadAllLinesAsync(Path.Combine(pack, "monitoring-categories.csv"));
        Assert.Equal("Category,List entries,Alerts,Confirmed,Referred,No further action,False positive,Precision,Latest end-to-end check", categories[0].TrimStart('\uFEFF'));
        Assert.Matches(@"^Suicide,\d+,9,0,0,0,0,–,none recorded$", categories.Single(l => l.StartsWith("Suicide,", StringComparison.Ordinal)));
        Assert.Matches(@"^Self harm,\d+,<5,", categories.Single(l => l.StartsWith("Self harm,", StringComparison.Ordinal)));
        var text = await PdfText.ExtractAsync(await File.ReadAllBytesAsync(Path.Combine(pack, "annual-review.pdf")));
        foreach (var heading in new[] { "Roles and responsibilities", "Annual review", "Filtering", "Monitoring", "Log of checks", "Tuning evidence", "Retention", "risk profile" })
        {
            Assert.Contains(heading, text, StringComparison.Ordinal);
        }

        Assert.Contains("A. Patel", text, StringComparison.Ordinal); // the DSL named in configuration
        // Rules are named by their list entry (category/term); these test alerts use the whole text as the term, so
        // only what is never a rule is checked here: logins and names.
        foreach (var secret in new[] { "oak.y8.awhite", "oak.y9.pupil", "Amelia White", "OAK-LT-0001" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        Assert.True(File.Exists(Path.Combine(pack, "annual-review.json")));

        (code, _, error) = await CliTests.RunAsync(["reports", "annual-review", "--school", "oakfield", "--year", "2026", "--out", pack, "--data-dir", data.Path]);
        Assert.Equal(2, code);
        Assert.Contains("--year must be an academic year such as 2025-26 (was '2026')", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnnualReviewDownload_DslOfAnotherSchoolOrIt_IsRefused()
    {
        await using var host = await TestHost.StartAsync();
        GovernorSummaryTests.SaveNovember(host);
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        ConsoleSession.CreateUser(host, "it.tech", ConsoleRoles.It);
        ConsoleSession.CreateUser(host, "governor", ConsoleRoles.Governor);

        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        using var own = await dsl.Http.GetAsync("/reports/annual-review.pdf?school=oakfield&year=2026-27");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Contains("Oakfield Academy", await PdfText.ExtractAsync(await own.Content.ReadAsByteArrayAsync()), StringComparison.Ordinal);
        using var other = await dsl.Http.GetAsync("/reports/annual-review.pdf?school=riverside&year=2026-27");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        using var trust = await dsl.Http.GetAsync("/reports/annual-review.pdf?school=trust&year=2026-27");
        Assert.Equal(HttpStatusCode.Forbidden, trust.StatusCode);

        using var it = await ConsoleSession.SignInAsync(host, "it.tech", ConsoleSession.Password);
        using var refused = await it.Http.GetAsync("/reports/annual-review.pdf?school=oakfield&year=2026-27");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        using var governor = await ConsoleSession.SignInAsync(host, "governor", ConsoleSession.Password);
        using var riverside = await governor.Http.GetAsync("/reports/annual-review.pdf?school=riverside&year=2026-27");
        Assert.Equal(HttpStatusCode.OK, riverside.StatusCode);
    }
}
