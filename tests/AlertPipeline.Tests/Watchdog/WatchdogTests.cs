using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AlertPipeline.Hosting;
using AlertPipeline.Notifications;
using AlertPipeline.Queue;
using AlertPipeline.Tests.Support;
using AlertPipeline.Watchdog;
using Serilog.Events;

namespace AlertPipeline.Tests.Watchdog;

/// <summary>
/// Each stall is induced for real on real hosts over real SQLite files: a detect process that is not running (events
/// wait in queue.db), a respond process that is not running (notifications wait in the outbox). A fake clock moves
/// time past the limits; the watchdog's checks then run at once instead of every 15 s.
/// </summary>
public sealed class WatchdogTests : IDisposable
{
    private const string Contact = "it-oncall@northbridge.example";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Watchdog_DetectionNotAdvancingWithBacklog_ShoutsEverywhereThenClearsWhenDetectionCatchesUp()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        // An ingest process with nobody detecting: the events wait, detection's position stays where it is.
        await using var ingest = await StartAsync(HostRoles.Ingest, clock);
        using var http = Client(ingest, "oakfield");
        Assert.Equal(HttpStatusCode.Accepted, (await Post(http, Some.ConcerningEvent(), Some.Event())).StatusCode);
        var watchdog = ingest.Services.GetRequiredService<PipelineWatchdog>();
        await watchdog.CheckNowAsync();
        Assert.Empty(watchdog.Problems); // Two events waiting for a moment is not a stall.

        clock.Advance(TimeSpan.FromMinutes(3)); // Past StallAfter (2 min), not yet past MaxEventAge (5 min).
        await watchdog.CheckNowAsync();

        var problem = Assert.Single(watchdog.Problems);
        Assert.Equal(EmbeddedQueueProbe.ProgressCheck, problem.Check);
        Assert.Contains("has not advanced past queue position 0 for 3 min while 2 event(s) wait", problem.Reason, StringComparison.Ordinal);

        // /health/ready: degraded (200) with the check's name; its reason and figures only for signed-in staff (ADR 0021).
        using var anonymous = new HttpClient { BaseAddress = ingest.BoundAddress() };
        var ready = await anonymous.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = JsonNode.Parse(await ready.Content.ReadAsStringAsync())!;
        Assert.Equal("degraded", body["status"]!.GetValue<string>());
        var check = body["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == EmbeddedQueueProbe.ProgressCheck)!;
        Assert.Equal("degraded", check["status"]!.GetValue<string>());
        Assert.Null(check["reason"]);
        Assert.Null(check["figures"]);
        Assert.Equal("degraded", JsonNode.Parse(await anonymous.GetStringAsync("/health"))!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);

        // A system alert, an ERROR line in the log, and an email straight to the technical contact.
        var system = ingest.Services.GetRequiredService<SystemAlerts>();
        Assert.Single(system.Open(), a => a.Kind == "watchdog-detection-progress");
        Assert.Contains("SYSTEM ALERT watchdog \"detection-progress\"", LogText(), StringComparison.Ordinal);
        var raised = Assert.Single(Emails("SYSTEM ALERT: detection-progress"));
        Assert.Equal(Contact, raised.To);

        // The metrics say the same.
        Assert.Equal(1, Gauge(ingest, "alertpipeline.watchdog.level", ("check", EmbeddedQueueProbe.ProgressCheck)));
        Assert.Equal(2, Gauge(ingest, "alertpipeline.queue.backlog"));
        Assert.Equal(180, Gauge(ingest, "alertpipeline.detection.stalled"));

        // Still stalled at the next check: no second alert, no second email.
        clock.Advance(TimeSpan.FromMinutes(3));
        await watchdog.CheckNowAsync();
        Assert.Contains(watchdog.Problems, p => p.Check == EmbeddedQueueProbe.AgeCheck); // 6 min > MaxEventAge
        Assert.Single(system.Open(), a => a.Kind == "watchdog-detection-progress");
        Assert.Single(Emails("SYSTEM ALERT: detection-progress"));

        // A detect process starts on the same directory (the split layout the lock allows) and catches up.
        await using (var detect = await StartAsync(HostRoles.Detect, TimeProvider.System))
        {
            var queue = ingest.Services.GetRequiredService<SqliteEventQueue>();
            await Eventually.TrueAsync(() => queue.Progress().Waiting == 0, "detection to catch up");
            await watchdog.CheckNowAsync();
        }

        Assert.Empty(watchdog.Problems);
        Assert.DoesNotContain(system.Open(), a => a.Kind.StartsWith("watchdog-", StringComparison.Ordinal));
        Assert.NotEmpty(Emails("RECOVERED: detection-progress"));
        Assert.Equal("healthy", JsonNode.Parse(await anonymous.GetStringAsync("/health/ready"))!["status"]!.GetValue<string>());
        Assert.Equal(0, Gauge(ingest, "alertpipeline.watchdog.level", ("check", EmbeddedQueueProbe.ProgressCheck)));
    }

    [Fact]
    public async Task Watchdog_DueNotificationNotSent_ShoutsAndClearsWhenTheResponderSendsIt()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        // Ingest and detection, but no respond process: the alert is stored, its email waits in the outbox.
        await using var host = await StartAsync(HostRoles.Ingest | HostRoles.Detect, clock);
        using var http = Client(host, "oakfield");
        Assert.Equal(HttpStatusCode.Accepted, (await Post(http, Some.ConcerningEvent())).StatusCode);
        var outbox = host.Services.GetRequiredService<NotificationOutbox>();
        await Eventually.TrueAsync(() => outbox.OldestDue(clock.GetUtcNow()).Due > 0, "the alert's notification to be due");
        var watchdog = host.Services.GetRequiredService<PipelineWatchdog>();
        await watchdog.CheckNowAsync();
        Assert.Empty(watchdog.Problems);

        clock.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(5)); // Past MaxNotificationDelay.
        await watchdog.CheckNowAsync();

        var problem = Assert.Single(watchdog.Problems);
        Assert.Equal(OutboxProbe.Check, problem.Check);
        Assert.Contains("is the respond process running", problem.Reason, StringComparison.Ordinal);
        Assert.Single(host.Services.GetRequiredService<SystemAlerts>().Open(), a => a.Kind == "watchdog-notifications");
        Assert.Single(Emails("SYSTEM ALERT: notifications"));

        // Signed-in IT staff see the figures behind it, and the console shows them the banner.
        using var it = await SignedIn(host, "it.support", "it");
        var body = JsonNode.Parse(await it.Http.GetStringAsync("/health/ready"))!;
        var check = body["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == OutboxProbe.Check)!;
        Assert.True(check["figures"]!["outbox_due"]!.GetValue<double>() >= 1);
        Assert.Contains("is the respond process running", check["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        var page = await it.Http.GetStringAsync("/lists");
        Assert.Contains("watchdog-banner", page, StringComparison.Ordinal);
        Assert.Contains("is the respond process running", page, StringComparison.Ordinal);

        // The responder starts and sends: the next check clears the alarm.
        await using (var respond = await StartAsync(HostRoles.Respond, TimeProvider.System))
        {
            await Eventually.TrueAsync(() => outbox.OldestDue(clock.GetUtcNow()).Due == 0, "the responder to send");
            await watchdog.CheckNowAsync();
        }

        Assert.Empty(watchdog.Problems);
        Assert.DoesNotContain(host.Services.GetRequiredService<SystemAlerts>().Open(), a => a.Kind == "watchdog-notifications");
        Assert.NotEmpty(Emails("RECOVERED: notifications"));
        Assert.DoesNotContain("watchdog-banner", await it.Http.GetStringAsync("/lists"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_DslWithAPipelineProblem_SeesNoBanner()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        await using var host = await StartAsync(HostRoles.Ingest, clock);
        using var http = Client(host, "oakfield");
        await Post(http, Some.Event());
        var watchdog = host.Services.GetRequiredService<PipelineWatchdog>();
        await watchdog.CheckNowAsync();
        clock.Advance(TimeSpan.FromMinutes(3));
        await watchdog.CheckNowAsync();
        Assert.NotEmpty(watchdog.Problems);

        using var trustDsl = await SignedIn(host, "trust.dsl", "trust-dsl");
        using var dsl = await SignedIn(host, "dsl.oak", "dsl", "oakfield");

        Assert.Contains("watchdog-banner", await trustDsl.Http.GetStringAsync("/alerts"), StringComparison.Ordinal);
        Assert.DoesNotContain("watchdog-banner", await dsl.Http.GetStringAsync("/alerts"), StringComparison.Ordinal);
    }

    private async Task<WebApplication> StartAsync(HostRoles roles, TimeProvider clock)
    {
        var app = PipelineHost.Build(new HostSettings
        {
            Overrides = new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = _dir.Path,
                ["Detection:KeywordsDirectory"] = Path.Combine(AppContext.BaseDirectory, "seeds", "keywords"),
                ["Queue:PollInterval"] = "00:00:00.100",
                ["Notifications:PollInterval"] = "00:00:00.100",
                ["Trust:OutOfHoursAtOnce"] = "low",
                ["Users:SignInAttemptsPerMinute"] = "10000",
                ["Watchdog:TechnicalContact"] = Contact,
                // The test runs each check itself; the timer's own checks must not race it.
                ["Watchdog:CheckInterval"] = "01:00:00",
            },
            Urls = "http://127.0.0.1:0",
            ConsoleLogLevel = LogEventLevel.Warning,
            Roles = roles,
            ConfigureServices = services => services.AddSingleton(clock),
        });
        await app.StartAsync();
        return app;
    }

    private static HttpClient Client(WebApplication app, string school)
    {
        var (secret, _) = app.Services.GetRequiredService<AlertPipeline.Ingest.ApiKeys.ApiKeyStore>().Create(school, null, "test");
        var http = new HttpClient { BaseAddress = app.BoundAddress() };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", secret);
        return http;
    }

    private static Task<HttpResponseMessage> Post(HttpClient http, params JsonObject[] events) =>
        http.PostAsync("/api/v1/events", new StringContent(new JsonArray(events.Select(e => (JsonNode)e).ToArray()).ToJsonString(), Encoding.UTF8, "application/json"));

    private static async Task<ConsoleSession> SignedIn(WebApplication app, string name, string role, params string[] schools)
    {
        app.Services.GetRequiredService<AlertPipeline.Users.UserStore>().Create(name, role, schools, ConsoleSession.Password, mustChangePassword: false);
        return await ConsoleSession.SignInAsync(app, name, ConsoleSession.Password);
    }

    /// <summary>The .eml files the watchdog wrote (no SMTP host: the outbox folder is the mail server).</summary>
    private List<ReceivedMail> Emails(string subject)
    {
        var folder = Path.Combine(_dir.Path, "outbox");
        return Directory.Exists(folder)
            ? [.. Directory.GetFiles(folder, "wd_*.eml").Select(ReceivedMail.Load).Where(m => m.Subject.StartsWith($"[AlertPipeline] {subject}", StringComparison.Ordinal))]
            : [];
    }

    /// <summary>The rendered messages (<c>@m</c>) of the compact JSON log files, one a line.</summary>
    private string LogText() => string.Join('\n', Directory.GetFiles(Path.Combine(_dir.Path, "logs")).SelectMany(f =>
    {
        using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["@m"]!.GetValue<string>()).ToList();
    }));

    /// <summary>The latest value of one of this host's observable gauges (meters are per host: the factory is the scope).</summary>
    private static double Gauge(WebApplication app, string instrument, (string Key, string Value)? tag = null)
    {
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        double? value = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Scope == factory && i.Meter.Name == WatchdogMetrics.MeterName && i.Name == instrument)
            {
                l.EnableMeasurementEvents(i);
            }
        };
        void Record(double measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var t in tags)
            {
                if (tag is { } wanted && t.Key == wanted.Key && !Equals(t.Value, wanted.Value))
                {
                    return;
                }
            }

            value = measurement;
        }

        listener.SetMeasurementEventCallback<double>((_, m, tags, _) => Record(m, tags));
        listener.SetMeasurementEventCallback<int>((_, m, tags, _) => Record(m, tags));
        listener.Start();
        listener.RecordObservableInstruments();
        return value ?? throw new InvalidOperationException($"no measurement of {instrument}");
    }
}
