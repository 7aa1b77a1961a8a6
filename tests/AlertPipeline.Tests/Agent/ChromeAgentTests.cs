using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using AlertPipeline.Alerts;
using AlertPipeline.Ingest.Screenshots;
using AlertPipeline.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace AlertPipeline.Tests.Agent;

/// <summary>
/// The device agent end to end: the real host, Debian's Chromium with the unpacked extension of agent/chrome, a pupil
/// searching, typing and reading on local pages, and the alerts that reach the alert store.
/// </summary>
public sealed class ChromeAgentTests
{
    private const string School = "oakfield";
    private const string Pupil = "oak.y8.awhite";
    private const string Device = "OAK-CB-0042";
    private const string Typed = "i have been cutting myself";

    [Fact]
    public async Task Agent_PupilSearchesTypesAndReads_AlertsCarryLoginDeviceSourceAndScreenshot()
    {
        using var directory = new TempDirectory();
        await using var host = await TestHost.StartAsync(dataDirectory: Path.Combine(directory.Path, "data"));
        var key = host.UseKey(School, Device);
        await using var site = await PupilSite.StartAsync();
        await using var agent = await ChromeAgent.LaunchAsync(Path.Combine(directory.Path, "profile"));
        await agent.ConfigureAsync(host.Http.BaseAddress!.ToString(), key, School, Pupil, Device);

        // The agent fetches the screenshot triggers once configured; a search before that would get no screenshot.
        await UntilAsync(async () => (int)JsonNode.Parse(await agent.StatusAsync())!["triggers"]! > 0, "the agent to fetch its trigger list");
        var page = await agent.Context.NewPageAsync();

        // The tab the pupil looks at (the first install also opened the agent's settings page in a tab).
        await page.BringToFrontAsync();

        // The pupil is told, in the school's words, that monitoring is on and as whom.
        await page.GotoAsync($"chrome-extension://{agent.ExtensionId}/src/popup/popup.html");
        await Assertions.Expect(page.Locator("#headline")).ToHaveTextAsync("Monitoring is on", new() { Timeout = ChromeAgent.ExpectTimeout });
        await Assertions.Expect(page.Locator("#login")).ToHaveTextAsync(Pupil, new() { Timeout = ChromeAgent.ExpectTimeout });
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync("Passwords are never recorded", new() { Timeout = ChromeAgent.ExpectTimeout });

        // A search: the query is read from the results URL, and it is on the server's trigger list, so a screenshot.
        await page.GotoAsync($"{site.BaseUrl}/search?q=how+to+tie+a+noose");
        var search = await AlertAsync(host, a => a.Source == "search", "the search alert");
        Assert.Equal("how to tie a noose", search.Text);
        Assert.Equal((School, Pupil, Device), (search.SchoolId, search.UserLogin, search.DeviceId));
        Assert.Equal($"{site.BaseUrl}/search?q=how+to+tie+a+noose", search.Url);
        Assert.True(search.ScreenshotRef?.StartsWith("sha256:", StringComparison.Ordinal) == true, $"no screenshot; the agent's status: {await agent.StatusAsync()}");
        var screenshot = host.App.Services.GetRequiredService<ScreenshotStore>().FindFor(search.ScreenshotRef!, School);
        Assert.NotNull(screenshot);
        Assert.Equal("FFD8FF", Convert.ToHexString(File.ReadAllBytes(screenshot).AsSpan(0, 3)));

        // Typing: letter by letter into the diary, then into a password field and a field marked sensitive.
        await page.GotoAsync($"{site.BaseUrl}/diary");
        await page.ClickAsync("#diary");
        await page.Keyboard.TypeAsync("i want to kill mysefl", new KeyboardTypeOptions { Delay = 15 });
        await page.Keyboard.PressAsync("Backspace");
        await page.Keyboard.PressAsync("Backspace");
        await page.Keyboard.TypeAsync("lf", new KeyboardTypeOptions { Delay = 15 });
        await page.ClickAsync("#password");
        await page.Keyboard.TypeAsync("suicide methods", new KeyboardTypeOptions { Delay = 15 });
        await page.ClickAsync("#private");
        await page.Keyboard.TypeAsync("i am going to end my life", new KeyboardTypeOptions { Delay = 15 });
        await page.ClickAsync("#done");
        var typed = await AlertAsync(host, a => a.Source == "typed", "the typed alert");
        Assert.Equal("i want to kill myself", typed.Text);
        Assert.Equal(1, typed.EventCount);
        Assert.Equal((Pupil, Device, $"{site.BaseUrl}/diary"), (typed.UserLogin, typed.DeviceId, typed.Url));
        Assert.NotNull(typed.ScreenshotRef);

        // Reading: an ordinary page, then one with concerning text.
        await page.GotoAsync($"{site.BaseUrl}/article/ordinary");
        await Eventually.TrueAsync(() => SentEvents(host).Any(e => (string?)e["source"] == "screen" && ((string?)e["text"])!.Contains("water cycle", StringComparison.Ordinal)),
            "the ordinary page's text to be sent");
        await page.GotoAsync($"{site.BaseUrl}/article/concerning");
        var screen = await AlertAsync(host, a => a.Source == "screen" && a.Url!.EndsWith("/article/concerning", StringComparison.Ordinal), "the page-text alert");
        Assert.Contains(PupilSite.ConcerningArticleText, screen.Text, StringComparison.Ordinal);
        Assert.Equal($"{site.BaseUrl}/article/concerning", screen.Url);

        var events = SentEvents(host);
        Assert.Contains(events, e => (string?)e["source"] == "url" && (string?)e["text"] == $"{site.BaseUrl}/article/ordinary");
        Assert.Contains(events, e => (string?)e["source"] == "title" && (string?)e["text"] == "Science homework");
        Assert.DoesNotContain(host.Alerts.List(new AlertQuery()), a => a.Url?.EndsWith("/article/ordinary", StringComparison.Ordinal) == true);

        // What was typed into the password field and the sensitive field never left the browser.
        Assert.All(events, e => Assert.DoesNotContain("suicide methods", e.ToJsonString(), StringComparison.Ordinal));
        Assert.All(events, e => Assert.DoesNotContain("end my life", e.ToJsonString(), StringComparison.Ordinal));
        Assert.All(events, e => Assert.Equal((School, Pupil, Device), ((string?)e["schoolId"], (string?)e["userLogin"], (string?)e["deviceId"])));
    }

    [Fact]
    public async Task Agent_HostDownWhilePupilSearchesTypesAndBrowserRestarts_EveryEventArrivesOnce()
    {
        using var directory = new TempDirectory();
        var data = Path.Combine(directory.Path, "data");
        var profile = Path.Combine(directory.Path, "profile");
        var url = $"http://127.0.0.1:{FreePort()}";
        string key;
        await using (var first = await TestHost.StartAsync(dataDirectory: data, urls: url))
        {
            key = first.UseKey(School, Device);
        }

        // The host is down: the pupil searches three times and types in a diary, then the browser is closed.
        string[] queries = ["how to tie a noose", "i want to kill myself", "nobody would miss me"];
        await using (var agent = await ChromeAgent.LaunchAsync(profile))
        {
            await agent.ConfigureAsync(url, key, School, Pupil, Device);
            var page = await agent.Context.NewPageAsync();
            await using var site = await PupilSite.StartAsync();
            foreach (var query in queries)
            {
                await page.GotoAsync($"{site.BaseUrl}/search?q={Uri.EscapeDataString(query)}");
            }

            await page.GotoAsync($"{site.BaseUrl}/diary");
            await page.ClickAsync("#diary");
            await page.Keyboard.TypeAsync(Typed, new KeyboardTypeOptions { Delay = 15 });
            await page.ClickAsync("#done");

            // Per search page a search, a URL and a title; the diary's URL and title and the typed phrase.
            await UntilAsync(async () => (int)JsonNode.Parse(await agent.StatusAsync())!["queued"]! >= (queries.Length * 3) + 3,
                "the agent to queue every capture");
            await UntilAsync(async () => (await agent.StatusAsync()).Contains("network error", StringComparison.Ordinal), "the agent to find the host down");
        }

        // The host comes back, the browser starts again: the queue survived both the stopped service worker and the
        // closed browser, and everything arrives once.
        await using var host = await TestHost.StartAsync(dataDirectory: data, urls: url);
        await using (var agent = await ChromeAgent.LaunchAsync(profile))
        {
            foreach (var query in queries)
            {
                var alert = await AlertAsync(host, a => a.Source == "search" && a.Text == query, $"the alert for '{query}'", TimeSpan.FromSeconds(90));
                Assert.Equal((Pupil, Device, 1), (alert.UserLogin, alert.DeviceId, alert.EventCount));
            }

            var typed = await AlertAsync(host, a => a.Source == "typed", "the alert for the typed phrase", TimeSpan.FromSeconds(90));
            Assert.Equal((Typed, 1), (typed.Text, typed.EventCount));
            await UntilAsync(async () => (int)JsonNode.Parse(await agent.StatusAsync())!["queued"]! == 0, "the agent's queue to empty");
        }

        var events = SentEvents(host);
        Assert.Equal(queries, events.Where(e => (string?)e["source"] == "search").Select(e => (string?)e["text"]).ToArray());
        Assert.Equal(events.Count, events.Select(e => (string?)e["eventId"]).Distinct().Count());
        Assert.Equal(queries.Length + 1, events.Count(e => (string?)e["source"] == "url"));
        Assert.Equal([Typed], events.Where(e => (string?)e["source"] == "typed").Select(e => (string)e["text"]!).ToArray());
    }

    /// <summary>Polls an asynchronous condition (the agent's status is read through its options page).</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120); // bounds a failure only: the suite shares two cores
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(250);
        }
    }

    private static async Task<Alert> AlertAsync(TestHost host, Func<Alert, bool> which, string what, TimeSpan? timeout = null)
    {
        var alerts = await Eventually.ReturnsAsync(() => host.Alerts.List(new AlertQuery()).Where(which).ToList(), a => a.Count > 0, what, timeout ?? TimeSpan.FromSeconds(90));
        return Assert.Single(alerts);
    }

    /// <summary>Every event the host accepted, in acceptance order, as the agent sent it (queue.db keeps the payload).</summary>
    private static List<JsonObject> SentEvents(TestHost host)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(host.DataDirectory, "queue.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT CAST(payload AS TEXT) FROM events ORDER BY seq";
        using var reader = command.ExecuteReader();
        var events = new List<JsonObject>();
        while (reader.Read())
        {
            events.Add(JsonNode.Parse(reader.GetString(0))!.AsObject());
        }

        return events;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
