using System.Net;
using System.Text.RegularExpressions;
using AlertPipeline.Detection;
using AlertPipeline.Reports.GovernorSummary;
using AlertPipeline.Reports.Suppression;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Reports;

/// <summary>The governor summary: figures against the alert store, read back from the PDF with pdftotext; who may download it.</summary>
public sealed class GovernorSummaryTests
{
    internal static readonly ReportPeriod November = new("oakfield", new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 30));

    /// <summary>17 alerts at Oakfield in November 2026 (9 suicide urgent, 6 bullying medium, 2 self-harm high), and 3 at Riverside.</summary>
    internal static void SaveNovember(TestHost host)
    {
        var day = new DateTimeOffset(2026, 11, 10, 10, 0, 0, TimeSpan.Zero); // a Tuesday, in school hours
        for (var i = 0; i < 9; i++)
        {
            ConsoleData.SaveAlert(host, login: $"oak.y9.pupil{i}", text: "i want to die", category: "suicide", severity: Severity.Urgent, screenshot: false, at: day.AddHours(i % 5));
        }

        for (var i = 0; i < 6; i++)
        {
            ConsoleData.SaveAlert(host, login: "oak.y8.awhite", text: "nobody likes you " + i, category: "bullying", severity: Severity.Medium, screenshot: false, at: day.AddDays(1));
        }

        for (var i = 0; i < 2; i++)
        {
            ConsoleData.SaveAlert(host, login: "oak.y10.bking", text: "cut myself again " + i, category: "self-harm", severity: Severity.High, screenshot: false, at: day.AddDays(2));
        }

        for (var i = 0; i < 3; i++)
        {
            ConsoleData.SaveAlert(host, school: "riverside", login: "riv.y7.cdoe", text: "hate you", category: "bullying", severity: Severity.Medium, screenshot: false, at: day);
        }
    }

    [Fact]
    public async Task GovernorPdf_NovemberAtOakfield_FiguresMatchTheAlertStoreAndNoPupilDetail()
    {
        await using var host = await TestHost.StartAsync();
        SaveNovember(host);
        ConsoleData.SaveAlert(host, category: "suicide", screenshot: false, at: new DateTimeOffset(2026, 12, 1, 0, 30, 0, TimeSpan.Zero)); // after the period

        var data = host.App.Services.GetRequiredService<GovernorReportBuilder>().Build(November);
        var text = await PdfText.ExtractAsync(GovernorPdf.Render(data));

        // The figures, counted straight from alerts.db, not from the report's own code.
        var byCategory = Count(host, "SELECT c.value, COUNT(*) FROM alerts a CROSS JOIN json_each(a.categories) c WHERE a.school_id = 'oakfield' AND a.created_at >= $from AND a.created_at < $to GROUP BY 1");
        var bySeverity = Count(host, "SELECT severity, COUNT(*) FROM alerts WHERE school_id = 'oakfield' AND created_at >= $from AND created_at < $to GROUP BY 1");
        var total = bySeverity.Values.Sum();
        Assert.Equal(17, total);
        Assert.Matches(new Regex($@"\n\s*{total}\s"), text); // the key figure
        Assert.Matches(@"Suicide\s+9\b", text);
        Assert.Matches(@"Bullying\s+6\b", text);
        Assert.Equal(9, byCategory["suicide"]);
        Assert.Equal(6, byCategory["bullying"]);
        Assert.Equal(2, byCategory["self-harm"]);
        Assert.Matches(@"Self harm\s+<5", text); // 2 is withheld...
        Assert.Matches(@"High\s+<5", text);
        // ...and cannot be worked out: the severity rows add up to the total, so medium (6) is withheld as well.
        Assert.Matches(@"Medium\s+≥5", text);
        Assert.Matches(@"Urgent\s+9\b", text);
        Assert.Equal(9, bySeverity[((int)Severity.Urgent).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.Contains("Oakfield Academy", text, StringComparison.Ordinal);
        Assert.Contains("November 2026", text, StringComparison.Ordinal);
        Assert.Contains("Any count from 1 to 4 is shown as", text, StringComparison.Ordinal); // the rule is in the report
        Assert.Matches(@"Not yet closed\s+17\b", text);

        foreach (var secret in new[] { "oak.y9.pupil", "oak.y8.awhite", "Amelia", "OAK-LT-0001", "want to die", "nobody likes", "cut myself", "Riverside" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Download_ByRole_OnlyGovernorsAndTrustDsl()
    {
        await using var host = await TestHost.StartAsync();
        SaveNovember(host);
        ConsoleSession.CreateUser(host, "governor", ConsoleRoles.Governor); // governors are trust-wide accounts
        ConsoleSession.CreateUser(host, "trust.dsl", ConsoleRoles.TrustDsl);
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        ConsoleSession.CreateUser(host, "it.tech", ConsoleRoles.It);
        const string query = "from=2026-11-01&to=2026-11-30";

        using var governor = await ConsoleSession.SignInAsync(host, "governor", ConsoleSession.Password);
        using var own = await governor.Http.GetAsync($"/reports/governor.pdf?school=oakfield&{query}");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal("application/pdf", own.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Oakfield Academy", await PdfText.ExtractAsync(await own.Content.ReadAsByteArrayAsync()), StringComparison.Ordinal);
        using var unknown = await governor.Http.GetAsync($"/reports/governor.pdf?school=elsewhere&{query}");
        Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
        Assert.Contains("is not available to your account", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var trustDsl = await ConsoleSession.SignInAsync(host, "trust.dsl", ConsoleSession.Password);
        using var whole = await trustDsl.Http.GetAsync($"/reports/governor.pdf?school=trust&{query}");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        var wholeText = await PdfText.ExtractAsync(await whole.Content.ReadAsByteArrayAsync());
        Assert.Contains("all schools", wholeText, StringComparison.Ordinal);
        Assert.Matches(@"\n\s*20\s", wholeText); // 17 at Oakfield and 3 at Riverside

        foreach (var name in new[] { "dsl.oak", "it.tech" })
        {
            using var session = await ConsoleSession.SignInAsync(host, name, ConsoleSession.Password);
            using var refused = await session.Http.GetAsync($"/reports/governor.pdf?school=oakfield&{query}");
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
    }

    [Fact]
    public async Task SummaryApi_AsGovernor_CarriesNoPupilTextOrAlertIdAndRejectsBadDates()
    {
        await using var host = await TestHost.StartAsync();
        var alerts = Enumerable.Range(0, 6).Select(i => ConsoleData.SaveAlert(host, text: "i want to die", screenshot: false, login: "oak.y8.awhite")).ToList();
        ConsoleSession.CreateUser(host, "governor", ConsoleRoles.Governor);
        using var governor = await ConsoleSession.SignInAsync(host, "governor", ConsoleSession.Password);

        var json = await governor.Http.GetStringAsync("/api/v1/reports/governor-summary?school=oakfield");
        var page = await governor.Http.GetStringAsync("/summary?school=oakfield");

        foreach (var text in new[] { json, page })
        {
            Assert.DoesNotContain("oak.y8.awhite", text, StringComparison.Ordinal);
            Assert.DoesNotContain("want to die", text, StringComparison.Ordinal);
            Assert.DoesNotContain(alerts[0].AlertId, text, StringComparison.Ordinal);
        }

        Assert.Contains("\"total\":{\"key\":\"total\",\"label\":\"All alerts\",\"state\":0,\"value\":6", json, StringComparison.Ordinal);
        Assert.Contains("<svg class=\"chart\" id=\"by-category\"", page, StringComparison.Ordinal);
        using var bad = await governor.Http.GetAsync("/summary?from=2026-13-01");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("from and to must be dates as yyyy-MM-dd", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_SmallCountsAcrossTables_NoWithheldCountCanBeWorkedOut()
    {
        await using var host = await TestHost.StartAsync();
        SaveNovember(host);

        var data = host.App.Services.GetRequiredService<GovernorReportBuilder>().Build(November with { SchoolId = ReportPeriod.Trust });

        // With the trust total exact (20), Riverside's 3 could be subtracted from Oakfield's 17: withheld too, or the table is.
        var schools = data.Current.Table(GovernorReportBuilder.BySchool);
        Assert.True(schools.Withheld || schools.Cells.All(c => c.Value is null), string.Join(", ", schools.Cells.Select(c => c.Display)));
        Assert.DoesNotContain(data.Current.Tables.SelectMany(t => t.Cells), c => c.State != CellState.Shown && c.Value is not null);
    }

    private static Dictionary<string, long> Count(TestHost host, string sql)
    {
        using var connection = host.Alerts.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$from", new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$to", new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds());
        using var reader = command.ExecuteReader();
        var result = new Dictionary<string, long>();
        while (reader.Read())
        {
            result[reader.GetValue(0).ToString()!] = reader.GetInt64(1);
        }

        return result;
    }

    [Fact]
    public void Chart_ShownAndSmallCounts_FiguresAreInATextTableAndTheDrawingIsHidden()
    {
        var table = new ShownTable("by-severity", "Alerts by severity", TableKind.Partition,
            [new ShownCell("high", "High", CellState.Shown, 12), new ShownCell("critical", "Critical", CellState.Small, null)], Withheld: false);

        var html = GovernorSummaryEndpoints.Chart("by-severity", table);

        Assert.Contains("aria-hidden=\"true\"", html, StringComparison.Ordinal);
        Assert.Contains("<caption>Alerts by severity</caption>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><th scope=\"row\">High</th><td>12</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><th scope=\"row\">Critical</th><td>&lt;5</td></tr>", html, StringComparison.Ordinal);
    }
}
