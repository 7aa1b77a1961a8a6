using System.Net;
using AlertPipeline.Audit;
using AlertPipeline.Storage;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;
using Microsoft.Data.Sqlite;

namespace AlertPipeline.Tests.Console;

public sealed class AuditTests
{
    [Fact]
    public async Task AlertDetailAndScreenshot_ViewedByDsl_AreAuditedWithWhoAndWhich()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        var alert = ConsoleData.SaveAlert(host);

        Assert.Equal(HttpStatusCode.OK, (await dsl.Http.GetAsync($"/api/v1/alerts/{alert.AlertId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await dsl.Http.GetAsync($"/alerts/{alert.AlertId}")).StatusCode);
        var shot = await dsl.Http.GetAsync($"/api/v1/alerts/{alert.AlertId}/screenshot");
        Assert.Equal(HttpStatusCode.OK, shot.StatusCode);
        Assert.Contains("no-store", shot.Headers.CacheControl!.ToString(), StringComparison.Ordinal);

        var entries = host.App.Services.GetRequiredService<AuditLog>().Read(alert.AlertId);
        Assert.Equal(2, entries.Count(e => e.Action == AuditActions.ViewAlert && e.Actor == "dsl.oak" && e.Role == "dsl" && e.SchoolId == "oakfield"));
        Assert.Single(entries, e => e.Action == AuditActions.ViewScreenshot && e.Actor == "dsl.oak");
    }

    [Fact]
    public async Task GraphicAlertPage_ViewedByDsl_DoesNotLoadTheScreenshotUntilAsked()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        var graphic = ConsoleData.SaveAlert(host, category: "self-harm", text: "cutting myself");
        var ordinary = ConsoleData.SaveAlert(host, category: "bullying", text: "nobody likes you");

        var hidden = await dsl.Http.GetStringAsync($"/alerts/{graphic.AlertId}");
        var shown = await dsl.Http.GetStringAsync($"/alerts/{ordinary.AlertId}");

        Assert.Contains($"<img id=\"shot\" hidden alt=\"Screenshot of the pupil's screen\" data-src=\"/api/v1/alerts/{graphic.AlertId}/screenshot\">", hidden, StringComparison.Ordinal);
        Assert.Contains("data-reveal=\"#shot\"", hidden, StringComparison.Ordinal);
        Assert.Contains($"src=\"/api/v1/alerts/{ordinary.AlertId}/screenshot\"", shown, StringComparison.Ordinal);
        Assert.DoesNotContain(host.App.Services.GetRequiredService<AuditLog>().Read(graphic.AlertId), e => e.Action == AuditActions.ViewScreenshot);
    }

    [Fact]
    public async Task Triage_ByDsl_ChangesStatusWritesHistoryAndAudit()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        var alert = ConsoleData.SaveAlert(host);

        Assert.Equal(HttpStatusCode.OK, (await dsl.PostJsonAsync($"/api/v1/alerts/{alert.AlertId}/acknowledge")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await dsl.PostJsonAsync($"/api/v1/alerts/{alert.AlertId}/acknowledge")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await dsl.PostJsonAsync($"/api/v1/alerts/{alert.AlertId}/resolve", new { outcome = "referred" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await dsl.PostJsonAsync($"/api/v1/alerts/{alert.AlertId}/resolve", new { outcome = "referred", reference = "MyConcern-77" })).StatusCode);

        Assert.Equal("resolved", host.Alerts.Get(alert.AlertId)!.Status);
        var history = host.App.Services.GetRequiredService<AlertPipeline.ConsoleUi.AlertQueries>().History(alert.AlertId);
        Assert.Equal(["created", "acknowledged", "resolved"], history.Select(h => h.Action));
        Assert.Contains("MyConcern-77", history[^1].Detail, StringComparison.Ordinal);
        Assert.Equal("dsl.oak", history[^1].Actor);
        var triage = host.App.Services.GetRequiredService<AuditLog>().Read(alert.AlertId).Where(e => e.Action == AuditActions.Triage).ToList();
        Assert.Equal(2, triage.Count); // the refused ones changed nothing and are not recorded as changes
    }

    [Fact]
    public async Task TriageNotesAndReferences_AreNotCopiedIntoTheAuditLog_WhichPointsAtTheirHistoryRow()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        ConsoleSession.CreateUser(host, "admin", ConsoleRoles.Admin);
        ConsoleSession.CreateUser(host, "trust", ConsoleRoles.TrustDsl);
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        using var admin = await ConsoleSession.SignInAsync(host, "admin", ConsoleSession.Password);
        using var trust = await ConsoleSession.SignInAsync(host, "trust", ConsoleSession.Password);
        var alert = ConsoleData.SaveAlert(host);

        await dsl.PostJsonAsync($"/api/v1/alerts/{alert.AlertId}/notes", new { note = "Spoke to pupil's mum, NOTE-SECRET-4711" });
        await dsl.PostJsonAsync($"/api/v1/alerts/{alert.AlertId}/resolve", new { outcome = "referred", reference = "CPOMS-REF-98765", note = "NOTE-SECRET-4712" });

        var asAdmin = await admin.Http.GetStringAsync("/api/v1/audit");
        var asTrust = await trust.Http.GetStringAsync($"/api/v1/audit?alertId={alert.AlertId}");
        Assert.Contains("triage", asAdmin, StringComparison.Ordinal);
        foreach (var secret in new[] { "NOTE-SECRET-4711", "NOTE-SECRET-4712", "CPOMS-REF-98765" })
        {
            Assert.DoesNotContain(secret, asAdmin, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, asTrust, StringComparison.Ordinal);
            Assert.DoesNotContain(host.App.Services.GetRequiredService<AuditLog>().Read(), e => e.Detail?.Contains(secret, StringComparison.Ordinal) == true);
        }

        Assert.Contains("resolve outcome=referred (alert history #", asTrust, StringComparison.Ordinal);
        Assert.Contains("CPOMS-REF-98765", host.App.Services.GetRequiredService<AlertPipeline.ConsoleUi.AlertQueries>().History(alert.AlertId)[^1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditApi_ReadByAdmin_ShowsOnlyTheVerbOfTriageRowsWrittenBeforeTheChange()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "admin", ConsoleRoles.Admin);
        using var admin = await ConsoleSession.SignInAsync(host, "admin", ConsoleSession.Password);
        // A row as the previous version wrote it: the request body copied in.
        host.App.Services.GetRequiredService<AuditLog>().Append("dsl.oak", "dsl", AuditActions.Triage, "al_1", "oakfield", "note {\"note\":\"OLD-SECRET\"}");

        var asAdmin = await admin.Http.GetStringAsync("/api/v1/audit");

        Assert.DoesNotContain("OLD-SECRET", asAdmin, StringComparison.Ordinal);
        Assert.Contains("\"detail\":\"note\"", asAdmin, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TriagePost_WithoutAntiforgeryToken_IsRefusedAndChangesNothing()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);
        var alert = ConsoleData.SaveAlert(host);

        var response = await dsl.PostJsonAsync($"/api/v1/alerts/{alert.AlertId}/acknowledge", withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("new", host.Alerts.Get(alert.AlertId)!.Status);
    }

    [Fact]
    public async Task AlertOfAnotherSchool_RequestedByDsl_IsNotFoundAndNotAuditedAsViewed()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleSession.CreateUser(host, "dsl.riv", ConsoleRoles.Dsl, "riverside");
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.riv", ConsoleSession.Password);
        var alert = ConsoleData.SaveAlert(host, school: "oakfield");

        Assert.Equal(HttpStatusCode.NotFound, (await dsl.Http.GetAsync($"/api/v1/alerts/{alert.AlertId}")).StatusCode);
        var list = await dsl.Http.GetStringAsync("/api/v1/alerts?status=all");

        Assert.DoesNotContain(alert.AlertId, list, StringComparison.Ordinal);
        Assert.Empty(host.App.Services.GetRequiredService<AuditLog>().Read(alert.AlertId));
    }

    [Theory]
    [InlineData("UPDATE audit_log SET actor = 'someone else'")]
    [InlineData("DELETE FROM audit_log")]
    public void AuditRow_ChangedWithSql_IsRefusedByTrigger(string sql)
    {
        using var directory = new TempDirectory();
        var audit = NewLog(directory);
        audit.Append("dsl.oak", "dsl", AuditActions.ViewAlert, "al_1", "oakfield");

        using var connection = audit.Store.Open();
        var error = Assert.Throws<SqliteException>(() => connection.Command(sql).Run());

        Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        Assert.Equal("dsl.oak", Assert.Single(audit.Read()).Actor);
    }

    [Fact]
    public void Verify_RowEditedBehindTheTriggers_NamesTheRow()
    {
        using var directory = new TempDirectory();
        var audit = NewLog(directory);
        audit.Append("dsl.oak", "dsl", AuditActions.ViewAlert, "al_1", "oakfield");
        audit.Append("dsl.oak", "dsl", AuditActions.ViewScreenshot, "al_1", "oakfield");
        audit.Append("trust", "trust-dsl", AuditActions.ViewAlert, "al_2", "riverside");
        Assert.Null(audit.Verify());

        // Someone with the file drops the trigger and rewrites who looked at al_1's screenshot.
        using (var connection = audit.Store.Open())
        {
            connection.Command("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'nobody' WHERE id = 2").Run();
        }

        Assert.Equal(2, audit.Verify());
    }

    private static AuditLog NewLog(TempDirectory directory) => new(TestStores.For(directory.Path), TimeProvider.System);
}
