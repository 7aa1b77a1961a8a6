using System.Net;
using System.Text;
using System.Text.Json;
using AlertPipeline.Alerts;
using AlertPipeline.Audit;
using AlertPipeline.Detection;
using AlertPipeline.Notifications;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Console;

/// <summary>The DSL's path through the console over real HTTP (issue 18, part 2).</summary>
public sealed class DslPathTests
{
    [Fact]
    public async Task Queue_ManyAlerts_PagesWithTheTotalAndShowsPupilNameYearAndSnippet()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        for (var i = 0; i < 230; i++)
        {
            ConsoleData.SaveAlert(host, login: "oak.y8.awhite", screenshot: false);
        }

        var first = await dsl.Http.GetAsync("/api/v1/alerts?limit=50");
        var last = await dsl.Http.GetAsync("/api/v1/alerts?limit=50&offset=200");
        var rows = JsonSerializer.Deserialize<JsonElement>(await first.Content.ReadAsStringAsync());

        Assert.Equal("230", first.Headers.GetValues("X-Total-Count").Single());
        Assert.Equal(50, rows.GetArrayLength());
        Assert.Equal(30, JsonSerializer.Deserialize<JsonElement>(await last.Content.ReadAsStringAsync()).GetArrayLength());
        Assert.Equal("Amelia White", rows[0].GetProperty("pupilName").GetString());
        Assert.Equal("Year 8", rows[0].GetProperty("yearGroup").GetString());
        Assert.Equal("oak.y8.awhite", rows[0].GetProperty("userLogin").GetString());
    }

    [Fact]
    public async Task Queue_ModelOnlyAlert_IsMarkedInTheListAndTheScriptShowsIt()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        var model = ConsoleData.SaveAlert(host, text: "no reason to stay anymore", category: "suicide", modelOnly: true, screenshot: false);
        var listed = ConsoleData.SaveAlert(host, text: "i want to die", category: "suicide", screenshot: false);

        var rows = JsonSerializer.Deserialize<JsonElement>(await dsl.Http.GetStringAsync("/api/v1/alerts")).EnumerateArray().ToList();

        Assert.True(rows.Single(r => r.GetProperty("alertId").GetString() == model.AlertId).GetProperty("modelOnly").GetBoolean());
        Assert.False(rows.Single(r => r.GetProperty("alertId").GetString() == listed.AlertId).GetProperty("modelOnly").GetBoolean());
        // The queue is drawn by console.js from these rows; it must turn the flag into the visible "model-only" tag.
        var script = await dsl.Http.GetStringAsync("/assets/console.js");
        Assert.Contains("a.modelOnly ? el(\"span\", { class: \"tag model-only\"", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queue_AlertFromDetection_CarriesItsSnippet()
    {
        await using var host = await TestHost.StartAsync();
        host.UseKey("oakfield");
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        await host.PostEventsAsync(Some.Event("revising for maths then i want to die honestly", school: "oakfield", userLogin: "oak.y8.awhite"));

        var row = await Eventually.ReturnsAsync(() =>
        {
            var rows = JsonSerializer.Deserialize<JsonElement>(dsl.Http.GetStringAsync("/api/v1/alerts").GetAwaiter().GetResult());
            return rows.GetArrayLength() > 0 ? rows[0] : (JsonElement?)null;
        }, r => r is not null, "the alert in the queue");

        Assert.Contains("want to die", row!.Value.GetProperty("snippet").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertPage_ShowsThePupilsActivityAroundIt_FromTheRetainedEvents_AndAuditsTheView()
    {
        await using var host = await TestHost.StartAsync();
        host.UseKey("oakfield");
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        var now = DateTimeOffset.UtcNow;
        var before = Some.Event("how to tie a strong knot", school: "oakfield", userLogin: "oak.y8.awhite", source: "search");
        before["occurredAt"] = now.AddMinutes(-4).ToString("O");
        var trigger = Some.Event("i want to die tonight", school: "oakfield", userLogin: "oak.y8.awhite");
        trigger["occurredAt"] = now.AddMinutes(-2).ToString("O");
        var other = Some.Event("another pupil's homework", school: "oakfield", userLogin: "oak.y9.jsmith");
        var longBefore = Some.Event("minecraft servers", school: "oakfield", userLogin: "oak.y8.awhite");
        longBefore["occurredAt"] = now.AddHours(-3).ToString("O");
        await host.PostEventsAsync(longBefore, before, other, trigger);
        var alert = (await Eventually.ReturnsAsync(() => host.Alerts.List(new()).FirstOrDefault(a => a.UserLogin == "oak.y8.awhite"), a => a is not null, "the alert"))!;

        var page = await dsl.Http.GetStringAsync($"/alerts/{alert.AlertId}");

        var activity = page[page.IndexOf("id=\"activity\"", StringComparison.Ordinal)..];
        activity = activity[..activity.IndexOf("</ol>", StringComparison.Ordinal)];
        Assert.Contains("how to tie a strong knot", activity, StringComparison.Ordinal);
        Assert.Contains("i want to die tonight", activity, StringComparison.Ordinal);
        Assert.Contains("(this alert)", activity, StringComparison.Ordinal);
        Assert.DoesNotContain("another pupil", activity, StringComparison.Ordinal);
        Assert.DoesNotContain("minecraft", activity, StringComparison.Ordinal);
        Assert.True(activity.IndexOf("strong knot", StringComparison.Ordinal) < activity.IndexOf("die tonight", StringComparison.Ordinal), "not in time order");
        Assert.Contains(host.App.Services.GetRequiredService<AuditLog>().Read(alert.AlertId), e => e.Action == AuditActions.ViewActivity && e.Actor == "dsl.oak");
    }

    [Fact]
    public async Task AlertPage_AcknowledgeIsAtTheTop_TimesAreTheSchoolsWithTheZone_NotesAreText()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        var summer = new DateTimeOffset(2026, 7, 1, 12, 30, 0, TimeSpan.Zero);
        var alert = ConsoleData.SaveAlert(host, at: summer, screenshot: false);
        await dsl.PostJsonAsync($"/api/v1/alerts/{alert.AlertId}/notes", new { note = "Spoke to pupil's mum" });

        var page = await dsl.Http.GetStringAsync($"/alerts/{alert.AlertId}");

        Assert.True(page.IndexOf("id=\"acknowledge\"", StringComparison.Ordinal) < page.IndexOf("id=\"pupil-text\"", StringComparison.Ordinal), "acknowledge is below the alert's text");
        Assert.Contains("Wed 1 Jul 2026 13:30:00 BST", page, StringComparison.Ordinal);
        Assert.DoesNotContain("UTC</time>", page, StringComparison.Ordinal);
        Assert.Contains("<span class=\"detail\">note: Spoke to pupil&#x27;s mum</span>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("{&quot;note&quot;", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertPage_ScreenshotNotStoredForTheSchool_SaysUnavailable()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        var alert = ConsoleData.SaveAlert(host, screenshot: false, screenshotRef: "sha256:" + new string('a', 64));

        var page = await dsl.Http.GetStringAsync($"/alerts/{alert.AlertId}");

        Assert.Contains("id=\"shot-unavailable\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<img id=\"shot\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CsvExport_HasABomAndNotesAsText()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        var alert = ConsoleData.SaveAlert(host, screenshot: false);
        await dsl.PostJsonAsync($"/api/v1/alerts/{alert.AlertId}/notes", new { note = "Spoke to Zoë's mum" });

        var bytes = await dsl.Http.GetByteArrayAsync($"/api/v1/alerts/{alert.AlertId}/export?format=csv");

        Assert.Equal(Encoding.UTF8.Preamble.ToArray(), bytes[..3]);
        var csv = Encoding.UTF8.GetString(bytes[3..]);
        Assert.Contains(",note: Spoke to Zoë's mum\r\n", csv, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Severity.Urgent, "An urgent safeguarding alert needs your attention.")]
    [InlineData(Severity.Critical, "A critical safeguarding alert needs your attention.")]
    public async Task Email_Headline_UsesTheRightArticleAndLowerCase(Severity severity, string headline)
    {
        await using var host = await TestHost.StartAsync();
        var school = host.App.Services.GetRequiredService<AlertPipeline.Schools.SchoolDirectory>().For("oakfield");

        var message = NotificationMessage.ForAlert("nt_1", "alert", ConsoleDataAlert(severity), school, "http://console");

        Assert.Equal(headline, message.Headline);
    }

    [Fact]
    public async Task ListSearch_MoreThan500Match_SaysHowManyReally()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "it", ConsoleRoles.It);
        using var it = await ConsoleSession.SignInAsync(host, "it", ConsoleSession.Password);
        var inForce = host.App.Services.GetRequiredService<DetectorHolder>().Current.Set.Entries.Count;
        Assert.True(inForce > 500, $"the seed lists have {inForce} entries");

        var api = await it.Http.GetAsync("/api/v1/keywords");
        var page = await it.Http.GetStringAsync("/lists");

        Assert.Equal(inForce.ToString(System.Globalization.CultureInfo.InvariantCulture), api.Headers.GetValues("X-Total-Count").Single());
        Assert.Contains($"{inForce:N0} entries match, the first 200 shown", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditPage_TrustDsl_FiltersByUserAndPupil_ExportsCsv_AndIsItselfAudited()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        ConsoleSession.CreateUser(host, "trust", ConsoleRoles.TrustDsl);
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        using var trust = await ConsoleSession.SignInAsync(host, "trust", ConsoleSession.Password);
        var amelia = ConsoleData.SaveAlert(host, login: "oak.y8.awhite", screenshot: false);
        var jake = ConsoleData.SaveAlert(host, login: "oak.y9.jsmith", screenshot: false);
        await dsl.Http.GetAsync($"/api/v1/alerts/{amelia.AlertId}");
        await dsl.Http.GetAsync($"/api/v1/alerts/{jake.AlertId}");
        await trust.Http.GetAsync($"/api/v1/alerts/{jake.AlertId}");

        var page = await trust.Http.GetStringAsync("/audit?user=dsl.oak&pupil=awhite&action=view-alert");
        var export = await trust.Http.GetByteArrayAsync("/api/v1/audit/export?user=dsl.oak&action=view-alert");

        Assert.Contains(amelia.AlertId, page, StringComparison.Ordinal);
        Assert.DoesNotContain(jake.AlertId, page, StringComparison.Ordinal);
        Assert.Contains("1 matching entry", page, StringComparison.Ordinal);
        var csv = Encoding.UTF8.GetString(export[3..]);
        Assert.Equal(Encoding.UTF8.Preamble.ToArray(), export[..3]);
        Assert.Equal(3, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length); // header + two views by dsl.oak
        Assert.Equal(2, host.App.Services.GetRequiredService<AuditLog>().Read().Count(e => e.Action == AuditActions.ViewAudit && e.Actor == "trust"));
    }

    [Fact]
    public async Task AuditPage_BadDate_SaysWhichFilterIsWrong()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "trust", ConsoleRoles.TrustDsl);
        using var trust = await ConsoleSession.SignInAsync(host, "trust", ConsoleSession.Password);

        var response = await trust.Http.GetAsync("/audit?from=31/12/2026");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("from must be a date yyyy-MM-dd (was &#x27;31/12/2026&#x27;)", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static Alert ConsoleDataAlert(Severity severity)
    {
        var at = DateTimeOffset.UtcNow;
        return new Alert("al_x", "ev_x", "keywords", "oakfield", "OAK-LT-0001", "oak.y8.awhite", at, "typed", "chrome", null, null,
            "i want to die", "i want to die", ["suicide"], severity, [new AlertMatch("want to die", "suicide", severity.ToName(), 2, 11, "want to die", "suicide/want to die")],
            "test", AlertStatus.New, at, at);
    }
}
