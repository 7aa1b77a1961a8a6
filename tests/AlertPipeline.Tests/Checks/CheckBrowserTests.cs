using AlertPipeline.Tests.Console;
using AlertPipeline.Tests.Responder;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace AlertPipeline.Tests.Checks;

/// <summary>
/// The log of checks, the risk profile form and IT's tuning evidence in a real browser (Debian's Chromium) against the
/// real host and SMTP server: a DSL runs the end-to-end check and records one by hand; every page passes axe-core's
/// WCAG 2.2 AA rules. The screenshots in docs/screenshots are taken here (CONSOLE_SCREENSHOTS).
/// </summary>
[Collection(ResponderCollection.Name)]
public sealed class CheckBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly AxeRunOptions WcagAa = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
    };

    [Fact]
    public async Task Dsl_RunsTheCheckAndRecordsOne_ThenItReadsTuningEvidence_PagesAccessible()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await using var host = await TestHost.StartAsync(ResponderConfig.For(smtp,
            ("MonitoringChecks:Schools:oakfield:TestPupil", "oak.test-pupil"), ("MonitoringChecks:Schools:oakfield:TestRecipient", "checks@oakfield.example")));
        for (var i = 0; i < 6; i++)
        {
            ConsoleData.SaveAlert(host, text: "i want to die", screenshot: false);
        }

        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        ConsoleSession.CreateUser(host, "it.tech", ConsoleRoles.It);
        var violations = new List<string>();
        async Task AxeAsync(IPage page, string what) =>
            violations.AddRange((await page.RunAxe(WcagAa)).Violations.Select(v => $"{what}: {v.Id} ({v.Help}) at {string.Join(" | ", v.Nodes.Select(n => n.Html))}"));

        var page = await browser.NewPageAsync();
        await BrowserFixture.SignInAsync(page, host, "dsl.oak");
        await page.GotoAsync(host.Http.BaseAddress + "checks");
        await page.ClickAsync("#run-check button[type=submit]");
        await page.WaitForURLAsync("**/checks/*", new PageWaitForURLOptions { Timeout = 120_000 });
        Assert.Contains("Monitoring check 1: passed", await page.InnerTextAsync("h1"), StringComparison.Ordinal);
        Assert.Contains("suicide", await page.InnerTextAsync("#check-steps"), StringComparison.OrdinalIgnoreCase);
        await AxeAsync(page, "/checks/1");
        await BrowserFixture.SaveScreenshotAsync(page, "monitoring-check");

        await page.GotoAsync(host.Http.BaseAddress + "checks");
        await page.FillAsync("#record-check textarea[name=tested]", "UK Safer Internet Centre filter test page from a Year 7 laptop in the library");
        await page.SelectOptionAsync("#record-check select[name=result]", "passed");
        await page.FillAsync("#record-check textarea[name=action]", "none needed");
        await page.ClickAsync("#record-check button[type=submit]");
        await page.WaitForSelectorAsync("#checks tbody tr:nth-child(2)");
        Assert.Contains("UK Safer Internet Centre filter test page", await page.InnerTextAsync("#checks"), StringComparison.Ordinal);
        await AxeAsync(page, "/checks");
        await BrowserFixture.SaveScreenshotAsync(page, "log-of-checks");

        await page.GotoAsync(host.Http.BaseAddress + "reports/risk-profile");
        await page.FillAsync("#risk-profile textarea[name=ageRange]", "11-18, mixed; 1,150 pupils");
        await page.FillAsync("#risk-profile textarea[name=localRisks]", "County lines activity reported near the bus station (police briefing, October)");
        await page.ClickAsync("#risk-profile button[type=submit]");
        await page.WaitForSelectorAsync("text=Last saved by dsl.oak");
        await AxeAsync(page, "/reports/risk-profile");
        await BrowserFixture.SaveScreenshotAsync(page, "risk-profile");
        await page.Context.CloseAsync();

        var it = await browser.NewPageAsync();
        await BrowserFixture.SignInAsync(it, host, "it.tech");
        await it.GotoAsync(host.Http.BaseAddress + "it/tuning");
        Assert.Contains("suicide/i want to die", await it.InnerTextAsync("#tuning-rules"), StringComparison.OrdinalIgnoreCase);
        await AxeAsync(it, "/it/tuning");
        await BrowserFixture.SaveScreenshotAsync(it, "tuning-evidence");
        await it.GotoAsync(host.Http.BaseAddress + "checks");
        await AxeAsync(it, "/checks as IT");

        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }
}
