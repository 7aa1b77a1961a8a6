using AlertPipeline.Alerts;
using System.Net;
using System.Text.Json;
using AlertPipeline.Checks;
using AlertPipeline.ConsoleUi;
using AlertPipeline.Detection;
using AlertPipeline.Ingest.ApiKeys;
using AlertPipeline.Notifications;
using AlertPipeline.Reports.AnnualReview;
using AlertPipeline.Reports.GovernorSummary;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Responder;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Checks;

/// <summary>
/// The end-to-end monitoring check against the real host: real HTTP ingest, real detection and alert store, and the
/// real SMTP server (aiosmtpd) receiving the test notifications and, when the check fails, the system alert.
/// </summary>
[Collection(ResponderCollection.Name)]
public sealed class MonitoringCheckTests
{
    private const string TestPupil = "oak.test-pupil";
    private const string TestRecipient = "checks@oakfield.example";

    private static Dictionary<string, string?> Config(SmtpServer smtp, string recipient = TestRecipient, params (string Key, string? Value)[] extra) =>
        ResponderConfig.For(smtp,
        [
            ("MonitoringChecks:Timeout", "00:00:30"),
            ("MonitoringChecks:Schools:oakfield:TestPupil", TestPupil),
            ("MonitoringChecks:Schools:oakfield:TestRecipient", recipient),
            ("Trust:Schools:riverside:Name", "Riverside High School"),
            ("Trust:Schools:riverside:DslEmail", "dsl@riverside.example"),
            .. extra,
        ]);

    [Fact]
    public async Task MonitoringCheckCommand_RunningHost_EveryCategoryStoredAndToldOnlyToTheTestRecipient()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await using var host = await TestHost.StartAsync(Config(smtp));
        var categories = host.App.Services.GetRequiredService<DetectorHolder>().Current.Set.Categories.Count();

        var (code, output, error) = await CliTests.RunAsync(
            ["monitoring", "check", "--school", "oakfield", "--data-dir", host.DataDirectory, "--url", host.Http.BaseAddress!.ToString()]);

        Assert.True(code == 0, $"exit {code}: {error}\n{output}");
        Assert.Contains($"{categories} categories, test pupil {TestPupil}", output, StringComparison.Ordinal);
        Assert.Contains("suicide", output, StringComparison.Ordinal);
        Assert.Equal(categories, output.Split('\n').Count(l => l.Contains("test notification delivered after", StringComparison.Ordinal)));
        Assert.Contains("Passed. Recorded as check", output, StringComparison.Ordinal);

        var log = host.App.Services.GetRequiredService<CheckLog>();
        var entry = log.Get(Assert.Single(log.List(null)).Id)!;
        Assert.Equal((CheckResults.Passed, CheckKinds.Automatic), (entry.Result, entry.Kind));
        Assert.StartsWith("monitoring check from the command line", entry.By, StringComparison.Ordinal);
        Assert.Equal(categories, entry.Steps.Count);
        Assert.All(entry.Steps, s => Assert.True(s.Stored && s.Notified && s.StoredAfter <= s.NotifiedAfter, $"{s.Category}: {s.Detail}"));

        // Every test alert is stored, marked, and told to the test recipient alone: never to a DSL.
        // (The learned model may add a model-only test alert for a test text: a test too, told to the test recipient.)
        Assert.All(host.App.Services.GetRequiredService<NotificationOutbox>().List(), r => Assert.Equal((NotificationKinds.Test, TestRecipient), (r.Kind, r.Recipient)));
        var mails = await Eventually.ReturnsAsync(() => smtp.Messages(), m => m.Count >= categories, "the test notifications");
        Assert.All(mails, m =>
        {
            Assert.Equal(TestRecipient, m.To);
            Assert.Equal(NotificationKinds.Test, m.Kind);
            Assert.StartsWith("[AlertPipeline] TEST (monitoring check, not a real alert):", m.Subject, StringComparison.Ordinal);
        });
        Assert.All(entry.Steps, s => Assert.True(host.Alerts.Get(s.AlertId!)!.IsTest));

        // Out of the DSL's queue, the governor figures and the annual review's count.
        var queue = host.App.Services.GetRequiredService<AlertQueries>().Page(new AlertFilter(Status: "all"), null);
        Assert.Equal(0, queue.Total);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var governor = host.App.Services.GetRequiredService<GovernorReportBuilder>().Build(new ReportPeriod("oakfield", today.AddDays(-1), today.AddDays(1)));
        Assert.Equal(0, governor.Current.Total.Value ?? 0);
        var year = new AcademicYear(today.Month >= 9 ? today.Year : today.Year - 1);
        var review = host.App.Services.GetRequiredService<AnnualReviewBuilder>().Build("oakfield", year);
        Assert.Contains("0 alerts were raised", review.Sections.Single(s => s.Title == "Annual review").Paragraphs[0], StringComparison.Ordinal);

        // The temporary keys (the command's and the check's own device key) are revoked.
        Assert.All(host.App.Services.GetRequiredService<ApiKeyStore>().List(), k => Assert.NotNull(k.RevokedAt));
    }

    [Fact]
    public async Task MonitoringCheckCommand_TestRecipientRefused_FailsAndRaisesASystemAlertToTheDsl()
    {
        // The SMTP server refuses "nobody…" for good (550): the test notification can never be delivered.
        await using var smtp = await SmtpServer.StartAsync(rejectNobody: true);
        await using var host = await TestHost.StartAsync(Config(smtp, "nobody@oakfield.example"));

        var (code, output, _) = await CliTests.RunAsync(
            ["monitoring", "check", "--school", "oakfield", "--data-dir", host.DataDirectory, "--url", host.Http.BaseAddress!.ToString()]);

        Assert.Equal(1, code);
        Assert.Contains("FAILED: the alert was stored but its test notification failed for good", output, StringComparison.Ordinal);
        var log = host.App.Services.GetRequiredService<CheckLog>();
        var entry = log.Get(Assert.Single(log.List(null)).Id)!;
        Assert.Equal(CheckResults.Failed, entry.Result);
        Assert.All(entry.Steps, s => Assert.True(s.Stored && !s.Notified, s.Category));

        var system = Assert.Single(host.App.Services.GetRequiredService<SystemAlerts>().Open(), a => a.Kind == SystemAlerts.MonitoringCheckKind);
        Assert.Equal("oakfield", system.SchoolId);
        Assert.Contains($"monitoring check {entry.Id} at Oakfield Academy failed", system.Detail, StringComparison.Ordinal);

        // The DSL and the trust DSL are told by the real SMTP server.
        var notices = await Eventually.ReturnsAsync(
            () => smtp.Messages().Where(m => m.Subject == "[AlertPipeline] SYSTEM ALERT: the monitoring check failed at Oakfield Academy").ToList(),
            m => m.Count >= 2, "the system alert's emails");
        Assert.Equal([ResponderConfig.Dsl, ResponderConfig.TrustDsl], notices.Select(m => m.To).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(smtp.Messages(), m => m.Kind == NotificationKinds.Test);
    }

    [Fact]
    public async Task ScheduledCheck_EveryMinute_RunsOnTheSameCodePathAndIsLogged()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await using var host = await TestHost.StartAsync(Config(smtp, TestRecipient,
            ("MonitoringChecks:CheckInterval", "00:00:01"), ("MonitoringChecks:Schools:oakfield:Every", "01:00:00")));
        var log = host.App.Services.GetRequiredService<CheckLog>();

        var entries = await Eventually.ReturnsAsync(() => log.List(null), l => l.Count >= 1, "the scheduled check", TimeSpan.FromSeconds(60));

        var entry = log.Get(entries[0].Id)!;
        Assert.Equal(("schedule", CheckResults.Passed), (entry.By, entry.Result));
        Assert.NotEmpty(entry.Steps);
        Assert.All(entry.Steps, s => Assert.True(s.Passed, s.Detail));
        Assert.Single(log.List(null)); // Not again until Every has passed.
    }

    [Fact]
    public async Task CheckApi_DeviceKeyOrAnotherSchoolsKey_Refused()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await using var host = await TestHost.StartAsync(Config(smtp));

        host.UseKey("oakfield", device: "OAK-LT-0042");
        var device = await host.Http.PostAsync("/api/v1/monitoring/checks?school=oakfield", null);
        host.UseKey("riverside");
        var other = await host.Http.PostAsync("/api/v1/monitoring/checks?school=oakfield", null);
        var unconfigured = await host.Http.PostAsync("/api/v1/monitoring/checks?school=riverside", null);

        Assert.Equal(HttpStatusCode.Forbidden, device.StatusCode);
        Assert.Contains("a device's API key cannot start a monitoring check", await device.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Contains("this API key is for school 'riverside', not 'oakfield'", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, unconfigured.StatusCode);
        Assert.Contains("no test pupil is configured for 'riverside'", await unconfigured.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(host.App.Services.GetRequiredService<CheckLog>().List(null));
    }

    [Fact]
    public async Task ChecksPage_RecordAndRoles_DslAndItRecordGovernorRefusedOtherSchoolHidden()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await using var host = await TestHost.StartAsync(Config(smtp));
        ConsoleSession.CreateUser(host, "dsl.oak", "dsl", "oakfield");
        ConsoleSession.CreateUser(host, "dsl.river", "dsl", "riverside");
        ConsoleSession.CreateUser(host, "it.tech", "it");
        ConsoleSession.CreateUser(host, "gov", "governor");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        using var river = await ConsoleSession.SignInAsync(host, "dsl.river", ConsoleSession.Password);
        using var it = await ConsoleSession.SignInAsync(host, "it.tech", ConsoleSession.Password);
        using var gov = await ConsoleSession.SignInAsync(host, "gov", ConsoleSession.Password);

        var page = await dsl.Http.GetStringAsync("/checks");
        var recorded = await dsl.Http.PostAsync("/checks", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["school"] = "oakfield", ["when"] = "2026-12-01T10:30", ["tested"] = "UK Safer Internet Centre filter test site from a Year 7 laptop",
            ["result"] = "passed", ["action"] = "none needed", ["__RequestVerificationToken"] = ConsoleSession.FormToken(page),
        }));
        var itPage = await it.Http.GetStringAsync("/checks");
        var badWhen = await it.Http.PostAsync("/checks", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["school"] = "oakfield", ["when"] = "yesterday", ["tested"] = "x", ["result"] = "passed", ["action"] = "y",
            ["__RequestVerificationToken"] = ConsoleSession.FormToken(itPage),
        }));
        var riverPage = await river.Http.GetStringAsync("/checks");
        var governor = await gov.Http.GetAsync("/checks");

        Assert.Equal(HttpStatusCode.Redirect, recorded.StatusCode);
        var entry = Assert.Single(host.App.Services.GetRequiredService<CheckLog>().List(null));
        Assert.Equal(("dsl.oak", CheckKinds.Manual, "passed", "none needed"), (entry.By, entry.Kind, entry.Result, entry.Action));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 30, 0, TimeSpan.Zero), entry.At); // GMT in December
        Assert.Contains("UK Safer Internet Centre filter test site", itPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badWhen.StatusCode);
        Assert.Contains("when must be a date and time such as 2026-12-05T14:30 (was &#x27;yesterday&#x27;)", await badWhen.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("UK Safer Internet Centre filter test site", riverPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await river.Http.GetAsync($"/checks/{entry.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, governor.StatusCode);
        Assert.Contains(host.App.Services.GetRequiredService<AlertPipeline.Audit.AuditLog>().Read(),
            r => r.Action == "check-recorded" && r.Actor == "dsl.oak");
    }

    [Fact]
    public async Task AnnualReview_ChecksAndRiskProfileFromTheConsole_CarriedByThePack()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await using var host = await TestHost.StartAsync(Config(smtp));
        ConsoleSession.CreateUser(host, "dsl.oak", "dsl", "oakfield");
        ConsoleSession.CreateUser(host, "dsl.river", "dsl", "riverside");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        using var river = await ConsoleSession.SignInAsync(host, "dsl.river", ConsoleSession.Password);
        var check = await host.App.Services.GetRequiredService<MonitoringCheckRunner>().RunAsync("oakfield", "dsl.oak", null, CancellationToken.None);
        var form = await dsl.Http.GetStringAsync("/reports/risk-profile?school=oakfield");
        var saved = await dsl.Http.PostAsync("/reports/risk-profile", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["school"] = "oakfield", ["ageRange"] = "11-18, mixed", ["send"] = "Resource base for autistic pupils (40)", ["eal"] = "22% EAL; Polish and Romanian",
            ["localRisks"] = "County lines activity reported near the bus station", ["__RequestVerificationToken"] = ConsoleSession.FormToken(form),
        }));
        var riverForm = await river.Http.GetStringAsync("/reports/risk-profile");
        var refused = await river.Http.PostAsync("/reports/risk-profile", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["school"] = "oakfield", ["localRisks"] = "overwritten", ["__RequestVerificationToken"] = ConsoleSession.FormToken(riverForm),
        }));

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var review = host.App.Services.GetRequiredService<AnnualReviewBuilder>().Build("oakfield", new AcademicYear(today.Month >= 9 ? today.Year : today.Year - 1));

        Assert.Equal(CheckResults.Passed, check.Result);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var tables = review.Tables.ToDictionary(t => t.Id);
        var log = Assert.Single(tables["checks"].Rows);
        Assert.Equal(["Oakfield Academy", "dsl.oak", "automatic", "passed"], new[] { log[1], log[2], log[3], log[5] });
        Assert.Equal(check.Steps.Count, tables["latest-check-by-category"].Rows.Count);
        Assert.All(tables["latest-check-by-category"].Rows, r => Assert.Equal(("Oakfield Academy", "yes", "yes"), (r[1], r[3], r[5])));
        var suicide = tables["monitoring-categories"].Rows.Single(r => r[0] == DisplayText.Category("suicide"));
        Assert.Matches(@"^passed \(\d+\.\d s\)$", suicide[^1]);
        var profile = tables["risk-profile"].Rows;
        Assert.Contains(profile, r => r[1] == "Known local risks" && r[2] == "County lines activity reported near the bus station" && r[3].StartsWith("dsl.oak, ", StringComparison.Ordinal));
        Assert.Contains(profile, r => r[1] == "EAL" && r[2] == "22% EAL; Polish and Romanian");
    }

    [Fact]
    public void Validate_BadTestRecipientAndEvery_NamesTheKeyAndValue()
    {
        var options = new MonitoringCheckOptions();
        options.Schools["oakfield"] = new MonitoringCheckSchoolOptions { TestPupil = "", TestRecipient = "not-an-address", Every = TimeSpan.FromSeconds(5) };

        var result = new MonitoringCheckOptionsValidator().Validate(null, options);

        Assert.Equal(
        [
            "MonitoringChecks:Schools:oakfield:TestPupil must name the designated test pupil's login (was ''): without it a check has no pupil to send as.",
            "MonitoringChecks:Schools:oakfield:TestRecipient must be an email address: test alerts go there, never to the DSL (was 'not-an-address').",
            "MonitoringChecks:Schools:oakfield:Every must be 0 (no schedule) or a duration between 00:01:00 and 366.00:00:00 (was '00:00:05').",
        ], result.Failures);
    }

    [Fact]
    public void Probes_SeedLists_OneFlaggingTextPerCategory()
    {
        var detector = Detector.Compile(AlertPipeline.Detection.Lists.KeywordSetParser.Parse(KeywordDirectory.ReadFiles(Path.Combine(AppContext.BaseDirectory, "seeds", "keywords"))));

        var probes = MonitoringCheckRunner.Probes(detector);

        Assert.Equal(detector.Set.Categories.Order(StringComparer.Ordinal), probes.Select(p => p.Category));
        Assert.All(probes, p => Assert.True(detector.TryScan(p.Text, AlertPipeline.Detection.SourceKinds.Typed, out var r) && r.Categories.Contains(p.Category), p.Category));
    }
}
