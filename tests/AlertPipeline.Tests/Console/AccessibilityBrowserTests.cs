using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using AlertPipeline.Detection;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;
using Microsoft.Playwright;

namespace AlertPipeline.Tests.Console;

/// <summary>
/// WCAG 2.2 AA and the DSL's path in a real browser (issue 18): axe-core on every page, the queue and alert page by
/// keyboard alone, live announcements, focus kept across live updates, reflow at 320 px and the phone layout.
/// </summary>
public sealed class AccessibilityBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly AxeRunOptions WcagAa = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
    };

    [Fact]
    public async Task EveryPage_ForEveryRole_HasNoAxeViolations()
    {
        await using var host = await TestHost.StartAsync();
        var alert = ConsoleData.SaveAlert(host, login: "oak.y8.awhite");
        ConsoleData.SaveAlert(host, severity: Severity.Critical, category: "self-harm", text: "cutting myself");
        foreach (var (name, role, schools) in new[] { ("dsl.oak", ConsoleRoles.Dsl, "oakfield"), ("trust", ConsoleRoles.TrustDsl, ""), ("it", ConsoleRoles.It, ""), ("governor", ConsoleRoles.Governor, ""), ("admin", ConsoleRoles.Admin, "") })
        {
            ConsoleSession.CreateUser(host, name, role, schools.Length == 0 ? [] : [schools]);
        }

        var pages = new (string User, string Path)[]
        {
            ("", "/sign-in"), ("dsl.oak", "/alerts"), ("dsl.oak", $"/alerts/{alert.AlertId}"), ("trust", "/audit"), ("trust", "/summary"),
            ("it", "/lists?q=die"), ("it", "/lists/history"), ("it", "/devices"), ("governor", "/summary"), ("admin", "/accounts"), ("admin", "/audit"),
        };
        var violations = new List<string>();
        foreach (var (user, path) in pages)
        {
            var page = await browser.NewPageAsync();
            if (user.Length > 0)
            {
                await BrowserFixture.SignInAsync(page, host, user);
            }

            await page.GotoAsync(host.Http.BaseAddress + path.TrimStart('/'));
            if (path == "/alerts")
            {
                await page.WaitForSelectorAsync("#queue tbody tr");
            }

            var result = await page.RunAxe(WcagAa);
            violations.AddRange(result.Violations.Select(v => $"{path} as {(user.Length == 0 ? "anonymous" : user)}: {v.Id} ({v.Help}) at {string.Join(" | ", v.Nodes.Select(n => n.Html))}"));
            await page.Context.CloseAsync();
        }

        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public async Task Queue_ByKeyboardAlone_SkipLinkThenAcknowledge_KeepsFocusAndSaysSo()
    {
        await using var host = await TestHost.StartAsync();
        ConsoleData.SaveAlert(host, login: "oak.y8.awhite", screenshot: false);
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        var page = await browser.NewPageAsync();
        await BrowserFixture.SignInAsync(page, host, "dsl.oak");
        await page.WaitForSelectorAsync("#queue tbody tr button.ack");

        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to main content", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("main", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        var presses = await TabUntilAsync(page, "button.ack", 40);
        await page.Keyboard.PressAsync("Enter");

        await page.WaitForSelectorAsync("#queue tbody tr .status:text('acknowledged')");
        // The row changes when the queue is reloaded, but focus moves to its link only after the next request (the
        // title's count) answers: wait for that final state rather than reading focus the moment the row changes.
        await page.WaitForFunctionAsync("() => document.activeElement?.tagName === 'A' && document.activeElement.closest('#queue') !== null");
        Assert.Equal("Acknowledged.", await page.InnerTextAsync("#flash"));
        Assert.Equal("A", await page.EvaluateAsync<string>("() => document.activeElement.tagName"));
        Assert.True(await page.EvaluateAsync<bool>("() => document.activeElement.closest('#queue') !== null"), "focus left the queue");
        Assert.True(presses < 25, $"{presses} Tab presses from the skip target to the first acknowledge");
    }

    [Fact]
    public async Task AlertPage_ByKeyboardAlone_AcknowledgeAndResolve_AnnouncesEachStep()
    {
        await using var host = await TestHost.StartAsync();
        var alert = ConsoleData.SaveAlert(host, login: "oak.y8.awhite", screenshot: false);
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        var page = await browser.NewPageAsync();
        await BrowserFixture.SignInAsync(page, host, "dsl.oak");
        await page.WaitForURLAsync("**/alerts");
        await page.GotoAsync($"{host.Http.BaseAddress}alerts/{alert.AlertId}");

        await TabUntilAsync(page, "#acknowledge", 30);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("#status:text('acknowledged')");
        await page.WaitForSelectorAsync("#flash:text('Acknowledged')");
        Assert.Contains("Acknowledged", await page.InnerTextAsync("#flash"), StringComparison.Ordinal);
        Assert.Equal("status", await page.GetAttributeAsync("#flash", "role"));

        await TabUntilAsync(page, "#resolve select[name=outcome]", 60);
        await page.Keyboard.PressAsync("ArrowDown"); // concern confirmed
        await page.Keyboard.PressAsync("ArrowDown"); // no further action
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("Spoke to the pupil; no concern");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Resolve", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        await page.Keyboard.PressAsync("Enter");

        await page.WaitForSelectorAsync("#status:text('resolved')");
        // The live region is emptied and then filled (so a screen reader announces a repeat): wait for the words and
        // the focus rather than reading them the moment the status changes.
        await page.WaitForFunctionAsync("() => document.getElementById('flash').innerText.trim() === 'Resolved.' && document.activeElement.id === 'flash'");
        Assert.Equal("Resolved.", await page.InnerTextAsync("#flash"));
        Assert.Equal("flash", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        Assert.Equal("resolved", host.Alerts.Get(alert.AlertId)!.Status);
    }

    [Fact]
    public async Task AlertPage_ResolveWithoutReference_ErrorIsAnnouncedAndLinkedToTheField()
    {
        await using var host = await TestHost.StartAsync();
        var alert = ConsoleData.SaveAlert(host, screenshot: false);
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        var page = await browser.NewPageAsync();
        await BrowserFixture.SignInAsync(page, host, "dsl.oak");
        await page.WaitForURLAsync("**/alerts");
        await page.GotoAsync($"{host.Http.BaseAddress}alerts/{alert.AlertId}");

        await page.SelectOptionAsync("#resolve select[name=outcome]", "referred");
        await page.ClickAsync("#resolve button[type=submit]");

        var error = page.Locator("#resolve .form-error");
        await error.Locator("text=external case reference").WaitForAsync();
        Assert.Equal("alert", await error.GetAttributeAsync("role"));
        var describedBy = await page.EvaluateAsync<string>("() => document.activeElement.getAttribute('aria-describedby')");
        Assert.Equal(await error.GetAttributeAsync("id"), describedBy);
    }

    [Fact]
    public async Task Queue_NewAlertArrives_IsAnnouncedPolitely_FocusStays_TitleCounts_AndPauseHoldsUpdates()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Console:FeedPollInterval"] = "00:00:00.200" });
        ConsoleData.SaveAlert(host, login: "oak.y8.awhite", screenshot: false, severity: Severity.High, category: "bullying", text: "nobody likes you");
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        var page = await browser.NewPageAsync();
        await BrowserFixture.SignInAsync(page, host, "dsl.oak");
        await page.WaitForSelectorAsync("body[data-live=on]");
        await page.WaitForSelectorAsync("#queue tbody tr");
        await page.FocusAsync("#queue tbody tr a");
        await page.EvaluateAsync("() => { window.__focused = document.activeElement; }");

        ConsoleData.SaveAlert(host, login: "oak.y9.jsmith", screenshot: false, severity: Severity.Urgent, category: "suicide", text: "i want to die");

        await page.WaitForFunctionAsync("() => document.querySelector('#announce').textContent.includes('New urgent alert: suicide')");
        Assert.Equal("polite", await page.GetAttributeAsync("#announce", "aria-live"));
        Assert.True(await page.EvaluateAsync<bool>("() => document.activeElement === window.__focused"), "focus moved when the queue updated");
        // The announcement comes with the rows; the title is counted by a request made after them: wait for it.
        await page.WaitForFunctionAsync("() => document.title.startsWith('(2) ')");
        Assert.StartsWith("(2) ", await page.TitleAsync(), StringComparison.Ordinal);
        Assert.True(await page.EvaluateAsync<bool>("() => document.activeElement === window.__focused"), "focus moved when the queue updated");

        await page.ClickAsync("#pause");
        ConsoleData.SaveAlert(host, login: "oak.y9.jsmith", screenshot: false, severity: Severity.Critical, category: "self-harm", text: "cutting myself");
        await page.WaitForFunctionAsync("() => document.querySelector('#pause').textContent.includes('1 waiting')");
        Assert.Equal(2, await page.Locator("#queue tbody tr").CountAsync());
        await page.ClickAsync("#pause");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#queue tbody tr').length === 3");
    }

    // Holds the queue's 250 ms redraw timers until the test releases them, so "a change signalled just before Pause"
    // is a state the test sets up rather than a race it hopes to win. clearTimeout drops a held one, as it would a real one.
    private const string RedrawHolder = """
        window.__held = [];
        const realSet = window.setTimeout, realClear = window.clearTimeout;
        window.setTimeout = (fn, ms, ...args) => {
          if (ms !== 250) return realSet(fn, ms, ...args);
          const id = realSet(() => {}, 2147483647);
          window.__held.push({ id, fn });
          return id;
        };
        window.clearTimeout = id => { window.__held = window.__held.filter(h => h.id !== id); realClear(id); };
        window.__release = () => { const held = window.__held; window.__held = []; held.forEach(h => h.fn()); return held.length; };
        """;

    // Pause once let through a change signalled in the 250 ms before it: the redraw already scheduled ran after Pause.
    [Fact]
    public async Task Queue_ChangeSignalledJustBeforePause_IsHeldNotDrawn()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Console:FeedPollInterval"] = "00:00:00.200" });
        ConsoleData.SaveAlert(host, login: "oak.y8.awhite", screenshot: false, severity: Severity.High, category: "bullying", text: "nobody likes you");
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        var page = await browser.NewPageAsync();
        await page.Context.AddInitScriptAsync(RedrawHolder);
        await BrowserFixture.SignInAsync(page, host, "dsl.oak");
        await page.WaitForSelectorAsync("body[data-live=on]");
        await page.WaitForSelectorAsync("#queue tbody tr");

        ConsoleData.SaveAlert(host, login: "oak.y9.jsmith", screenshot: false, severity: Severity.Urgent, category: "suicide", text: "i want to die");
        await page.WaitForFunctionAsync("() => window.__held.length === 1"); // the change is signalled; its redraw waits
        await page.ClickAsync("#pause");
        await page.EvaluateAsync<int>("() => window.__release()");

        await page.WaitForFunctionAsync("() => document.querySelector('#pause').textContent.includes('1 waiting')");
        Assert.Equal(1, await page.Locator("#queue tbody tr").CountAsync());
        await page.ClickAsync("#pause");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#queue tbody tr').length === 2");
    }

    // The title once counted the new alerts on the page shown: page 2, or a filter, hid the ones waiting elsewhere.
    [Fact]
    public async Task Queue_TitleCount_CountsEveryUnacknowledgedAlertWhateverThePageOrFilter()
    {
        await using var host = await TestHost.StartAsync();
        for (var i = 0; i < 52; i++)
        {
            ConsoleData.SaveAlert(host, login: $"oak.y9.p{i}", screenshot: false, severity: Severity.High, category: "bullying", text: "nobody likes you");
        }

        var acknowledged = ConsoleData.SaveAlert(host, login: "oak.y9.done", screenshot: false);
        host.App.Services.GetRequiredService<AlertPipeline.Triage.IAlertTriage>().Acknowledge(acknowledged.AlertId, "someone");
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        var page = await browser.NewPageAsync();
        await BrowserFixture.SignInAsync(page, host, "dsl.oak");
        await page.WaitForFunctionAsync("() => document.title.startsWith('(52) ')");

        await page.ClickAsync("#next");
        await page.WaitForFunctionAsync("() => document.querySelector('#page-info').textContent.startsWith('Page 2')");
        Assert.Equal(3, await page.Locator("#queue tbody tr").CountAsync()); // 52 new + 1 acknowledged, 50 a page
        Assert.StartsWith("(52) ", await page.TitleAsync(), StringComparison.Ordinal);

        await page.SelectOptionAsync("#filters select[name=severity]", "critical");
        await page.WaitForFunctionAsync("() => !document.querySelector('#empty').hidden");
        Assert.StartsWith("(52) ", await page.TitleAsync(), StringComparison.Ordinal);
    }

    // Records what the console asks of the browser, then lets it through: each desktop notification and each sound.
    private const string NotifySpy = """
        window.__notified = []; window.__beeps = 0;
        const RealNotification = window.Notification;
        class SpyNotification extends RealNotification {
          constructor(title, options) { window.__notified.push({ title, body: options?.body ?? "" }); super(title, options); }
        }
        Object.defineProperty(SpyNotification, "permission", { get: () => RealNotification.permission });
        SpyNotification.requestPermission = (...args) => RealNotification.requestPermission(...args);
        window.Notification = SpyNotification;
        const RealAudio = window.AudioContext;
        window.AudioContext = class extends RealAudio { constructor(...args) { window.__beeps++; super(...args); } };
        """;

    // Opt-in sound and desktop notification (issue 18): nothing until the DSL ticks the box; then a new critical alert
    // beeps and shows a desktop notification naming the severity, category and school but not the pupil (it can show
    // on a projector); a new high alert does neither.
    [Fact]
    public async Task Queue_NotifyOptIn_OnlyUrgentOrCriticalBeepAndNotify_WithoutThePupil()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Console:FeedPollInterval"] = "00:00:00.200" });
        ConsoleData.SaveAlert(host, login: "oak.y8.awhite", screenshot: false, severity: Severity.High, category: "bullying", text: "nobody likes you");
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        var page = await browser.NewPageAsync();
        await page.Context.GrantPermissionsAsync(["notifications"]);
        await page.Context.AddInitScriptAsync(NotifySpy);
        await BrowserFixture.SignInAsync(page, host, "dsl.oak");
        await page.WaitForSelectorAsync("body[data-live=on]");
        await page.WaitForSelectorAsync("#queue tbody tr");
        Assert.False(await page.IsCheckedAsync("#notify"), "sound and desktop notifications are opt-in");

        ConsoleData.SaveAlert(host, login: "oak.y9.jsmith", screenshot: false, severity: Severity.Urgent, category: "suicide", text: "i want to die");
        await page.WaitForFunctionAsync("() => document.querySelector('#announce').textContent.includes('New urgent alert')");
        Assert.Equal(0, await page.EvaluateAsync<int>("() => window.__notified.length + window.__beeps"));

        await page.CheckAsync("#notify");
        ConsoleData.SaveAlert(host, login: "oak.y9.jsmith", screenshot: false, severity: Severity.High, category: "bullying", text: "everyone hates you");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#queue tbody tr').length === 3");
        Assert.Equal(0, await page.EvaluateAsync<int>("() => window.__notified.length + window.__beeps"));

        ConsoleData.SaveAlert(host, login: "oak.y7.bgreen", screenshot: false, severity: Severity.Critical, category: "self-harm", text: "cutting myself");
        await page.WaitForFunctionAsync("() => window.__notified.length === 1");
        var title = await page.EvaluateAsync<string>("() => window.__notified[0].title");
        var body = await page.EvaluateAsync<string>("() => window.__notified[0].body");
        Assert.Equal("critical safeguarding alert", title);
        Assert.Contains("self-harm", body, StringComparison.Ordinal);
        Assert.Contains("oakfield", body, StringComparison.Ordinal);
        Assert.DoesNotContain("oak.y7.bgreen", body, StringComparison.Ordinal);
        Assert.True(await page.EvaluateAsync<int>("() => window.__beeps") >= 1, "no sound for a critical alert");
    }

    [Fact]
    public async Task LiveState_AccountDisabled_ShowsSignedOutNotLive()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Users:StreamRecheckInterval"] = "00:00:00.200" });
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        var page = await browser.NewPageAsync();
        await BrowserFixture.SignInAsync(page, host, "dsl.oak");
        await page.WaitForSelectorAsync("body[data-live=on]");

        host.App.Services.GetRequiredService<UserStore>().Disable("dsl.oak");

        await page.WaitForSelectorAsync("body[data-live=off]");
        await page.WaitForFunctionAsync("() => document.querySelector('#live').textContent.startsWith('Signed out')");
    }

    [Fact]
    public async Task Phone_QueueAt390AndAlertPageAt320_DoNotScrollSideways()
    {
        await using var host = await TestHost.StartAsync();
        host.UseKey("oakfield");
        var png = new AlertPipeline.Simulator.ScreenshotRenderer().Render("Discord", "https://discord.com/channels/1", "i want to die, nobody would even notice");
        var shot = (await host.App.Services.GetRequiredService<AlertPipeline.Ingest.Screenshots.ScreenshotStore>().SaveAsync(png, "image/png", "oakfield")).Reference;
        var alert = ConsoleData.SaveAlert(host, login: "oak.y8.awhite", screenshot: false, screenshotRef: shot, text: "i want to die, nobody would even notice");
        ConsoleData.SaveAlert(host, login: "oak.y9.jsmith", screenshot: false, severity: Severity.High, category: "bullying", text: "nobody likes you");
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 }, Locale = "en-GB" });
        var page = await context.NewPageAsync();
        await BrowserFixture.SignInAsync(page, host, "dsl.oak");
        await page.WaitForSelectorAsync("#queue tbody tr");

        Assert.True(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= 390, "the queue scrolls sideways at 390 px");
        await BrowserFixture.SaveScreenshotAsync(page, "queue-phone");

        await page.GotoAsync($"{host.Http.BaseAddress}alerts/{alert.AlertId}");
        await BrowserFixture.SaveScreenshotAsync(page, "alert-detail-phone");
        var acknowledgeTop = await page.EvaluateAsync<double>("() => document.querySelector('#acknowledge').getBoundingClientRect().top");
        Assert.True(acknowledgeTop < 844, $"acknowledge is {acknowledgeTop} px down, below the first screen");
        await page.SetViewportSizeAsync(320, 640);
        Assert.True(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= 320, "the alert page does not reflow at 320 px");
        await context.CloseAsync();
    }

    /// <summary>Presses Tab until the element matching <paramref name="selector"/> has focus; returns how many presses.</summary>
    private static async Task<int> TabUntilAsync(IPage page, string selector, int max)
    {
        for (var presses = 1; presses <= max; presses++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.EvaluateAsync<bool>("s => document.activeElement?.matches(s) ?? false", selector))
            {
                return presses;
            }
        }

        throw new InvalidOperationException($"{selector} was not reached in {max} Tab presses");
    }
}
