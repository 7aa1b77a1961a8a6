using System.Net.Http.Headers;
using System.Text.Json;
using AlertPipeline.Simulator;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;
using Microsoft.Playwright;

namespace AlertPipeline.Tests.Console;

/// <summary>The console in a real browser against the real host: what a DSL, an IT technician and a governor do.</summary>
public sealed class BrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Dsl_AlertPostedThroughIngest_AppearsLiveAndIsAcknowledgedAndResolved()
    {
        await using var host = await TestHost.StartAsync();
        host.UseKey("oakfield");
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        var page = await browser.NewPageAsync();
        var address = host.Http.BaseAddress!.ToString().TrimEnd('/');

        await page.GotoAsync(address + "/alerts");
        Assert.Contains("/sign-in", page.Url, StringComparison.Ordinal);
        await page.FillAsync("input[name=name]", "dsl.oak");
        await page.FillAsync("input[name=password]", ConsoleSession.Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/alerts");
        await page.WaitForSelectorAsync("body[data-live=on]");
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");

        // A pupil's device sends a screenshot and the event, through the ingest API as an agent does.
        var png = new ScreenshotRenderer().Render("Discord", "https://discord.com/channels/1", "i want to die, nobody would even notice");
        using var image = new ByteArrayContent(png);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var stored = JsonSerializer.Deserialize<JsonElement>(await (await host.Http.PostAsync("/api/v1/screenshots", image)).Content.ReadAsStringAsync());
        var e = Some.Event("i want to die, nobody would even notice", school: "oakfield", source: "chat", userLogin: "oak.y8.awhite");
        e["screenshotRef"] = stored.GetProperty("ref").GetString();
        e["app"] = "discord";
        await host.PostEventsAsync(e);

        var row = page.Locator("#queue tbody tr").First;
        await row.WaitForAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the queue reloaded the page instead of updating it");
        Assert.Contains("oak.y8.awhite", await row.InnerTextAsync(), StringComparison.Ordinal);
        await BrowserFixture.SaveScreenshotAsync(page, "queue");

        await row.Locator("a").ClickAsync();
        await page.WaitForSelectorAsync("#pupil-text");
        Assert.Equal("Amelia White", await page.InnerTextAsync("#pupil-name"));
        Assert.Contains("want to die", await page.Locator("#pupil-text mark").First.InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.Locator("#shot").EvaluateAsync<bool>("img => img.complete && img.naturalWidth === 640"), "the screenshot did not load");
        await BrowserFixture.SaveScreenshotAsync(page, "alert-detail");

        await page.ClickAsync("#acknowledge");
        await page.WaitForSelectorAsync("#status:text('acknowledged')");
        await page.SelectOptionAsync("#resolve select[name=outcome]", "referred");
        await page.FillAsync("#resolve input[name=reference]", "CPOMS-20931");
        await page.ClickAsync("#resolve button[type=submit]");
        await page.WaitForSelectorAsync("#status:text('resolved')");
        Assert.Contains("CPOMS-20931", await page.InnerTextAsync("#history"), StringComparison.Ordinal);
        Assert.Equal("resolved", host.Alerts.List(new()).Single().Status);
    }

    [Fact]
    public async Task It_EditsATermAndTestsAText_TheChangeIsLive()
    {
        using var directory = new TempDirectory();
        var lists = ConsoleData.CopyLists(directory.Path);
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Detection:KeywordsDirectory"] = lists }, directory.Path);
        ConsoleSession.CreateUser(host, "it.support", ConsoleRoles.It);
        var page = await browser.NewPageAsync();
        await BrowserFixture.SignInAsync(page, host, "it.support");
        await page.WaitForURLAsync("**/lists");

        await page.FillAsync("#search", "bet365");
        await page.PressAsync("#search", "Enter");
        var entry = page.Locator("tr[data-entry='gambling/bet365']");
        await entry.Locator("summary:text('Edit')").ClickAsync();
        await entry.Locator("select[name=severity]").SelectOptionAsync("high");
        await entry.Locator("input[name=reason]").First.FillAsync("pupils betting during lessons");
        await entry.Locator("button:text('Save')").ClickAsync();
        await page.WaitForSelectorAsync("tr[data-entry='gambling/bet365'] .badge:text('high')");

        await page.FillAsync("#test-text textarea[name=text]", "b3t365 acca tonight");
        await page.SelectOptionAsync("#test-text select[name=source]", "search");
        await page.ClickAsync("#test-text button[type=submit]");
        var verdict = page.Locator("#test-text .verdict");
        await verdict.WaitForAsync();
        Assert.Equal("Would alert: high — gambling", await verdict.InnerTextAsync());
        await BrowserFixture.SaveScreenshotAsync(page, "lists");

        await page.GotoAsync(host.Http.BaseAddress + "lists/history");
        Assert.Contains("pupils betting during lessons", await page.InnerTextAsync("#versions"), StringComparison.Ordinal);
        Assert.Contains("+ bet365,word,high", await page.InnerTextAsync("#versions pre.diff"), StringComparison.Ordinal);
        await BrowserFixture.SaveScreenshotAsync(page, "list-history");
    }

    [Fact]
    public async Task Governor_OpensAnAlertUrl_IsRefusedAndSeesNoPupilData()
    {
        await using var host = await TestHost.StartAsync();
        for (var i = 0; i < 7; i++)
        {
            ConsoleData.SaveAlert(host, text: "i want to die", login: "oak.y8.awhite", screenshot: false);
        }

        var alert = ConsoleData.SaveAlert(host, school: "riverside", category: "bullying", text: "nobody likes you", screenshot: false);
        ConsoleSession.CreateUser(host, "governor", ConsoleRoles.Governor);
        var page = await browser.NewPageAsync();
        await BrowserFixture.SignInAsync(page, host, "governor");
        await page.WaitForURLAsync("**/summary");
        Assert.Equal("8", await page.InnerTextAsync("#total"));
        // Riverside's single alert would be 8 - 7 by school: Oakfield's 7 is withheld as well, leaving 1 to 3 and 5 to 7.
        var bySchool = await page.TextContentAsync("#by-school");
        Assert.Contains("<5", bySchool, StringComparison.Ordinal);
        Assert.Contains("≥5", bySchool, StringComparison.Ordinal);
        Assert.DoesNotContain("7", bySchool, StringComparison.Ordinal);
        Assert.Contains("<5", await page.TextContentAsync("#by-category"), StringComparison.Ordinal);
        await BrowserFixture.SaveScreenshotAsync(page, "governor-summary");

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download"));
        Assert.EndsWith(".pdf", download.SuggestedFilename, StringComparison.Ordinal);
        var pdf = await File.ReadAllBytesAsync((await download.PathAsync())!);
        var pdfText = await PdfText.ExtractAsync(pdf);
        Assert.Contains("governor summary", pdfText, StringComparison.Ordinal);
        Assert.DoesNotContain("i want to die", pdfText, StringComparison.Ordinal);

        var response = await page.GotoAsync($"{host.Http.BaseAddress}alerts/{alert.AlertId}");

        Assert.Equal(403, response!.Status);
        var text = await page.InnerTextAsync("main");
        Assert.Contains("Not available to your role", text, StringComparison.Ordinal);
        Assert.DoesNotContain("nobody likes you", await page.ContentAsync(), StringComparison.Ordinal);
    }
}
