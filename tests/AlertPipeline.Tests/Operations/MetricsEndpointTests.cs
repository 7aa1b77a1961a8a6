using System.Net;
using System.Net.Http.Headers;
using AlertPipeline.Hosting;
using AlertPipeline.Kernel;
using AlertPipeline.Tests.Support;
using AlertPipeline.Watchdog;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Operations;

/// <summary>
/// <c>/metrics</c> on a real host over real HTTP: what an operator's Prometheus would read after events flow, and
/// that nobody else can read it (ADR 0021).
/// </summary>
public sealed class MetricsEndpointTests
{
    private const string Token = "scrape-token-for-tests-0123456789abcdef";

    private static Dictionary<string, string?> WithToken() => new()
    {
        ["Metrics:Enabled"] = "true",
        ["Metrics:ScrapeToken"] = Token,
        // The test runs the watchdog's checks itself, so the gauges hold the figures of a known moment.
        ["Watchdog:CheckInterval"] = "01:00:00",
    };

    [Fact]
    public async Task Metrics_EventsFlow_ScrapeHasEachSeriesWithItsValueAndNoSchoolOrPupil()
    {
        await using var host = await TestHost.StartAsync(WithToken());
        host.UseKey("oakfield");
        var plain = Some.Event();
        var invalid = Some.Event();
        invalid["occurredAt"] = "last tuesday";
        Assert.Equal(HttpStatusCode.MultiStatus, (await host.PostEventsAsync(Some.ConcerningEvent(), plain, invalid)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostEventsAsync(plain)).StatusCode); // A retry: a duplicate.
        var counters = host.App.Services.GetRequiredService<PipelineMetrics>();
        await Eventually.TrueAsync(() => counters.EventsProcessed == 2 && counters.AlertsStored == 1, "detection to process both events");
        // Detection commits its queue position just after storing: the backlog gauge is read at the check after that.
        var queue = host.App.Services.GetRequiredService<AlertPipeline.Queue.SqliteEventQueue>();
        await Eventually.TrueAsync(() => queue.Backlog == 0, "detection to commit its position");
        await host.App.Services.GetRequiredService<PipelineWatchdog>().CheckNowAsync();
        var severity = StoredSeverity(host);

        var scrape = await ScrapeAsync(host.Http, Token);

        Assert.Equal(2, PrometheusText.Sum(scrape, "alertpipeline_events_received_total", ("outcome", "accepted")));
        Assert.Equal(1, PrometheusText.Sum(scrape, "alertpipeline_events_received_total", ("outcome", "duplicate")));
        Assert.Equal(1, PrometheusText.Sum(scrape, "alertpipeline_events_received_total", ("outcome", "rejected")));
        Assert.Equal(2, PrometheusText.Sum(scrape, "alertpipeline_events_processed_total", ("outcome", "scanned")));
        Assert.Null(PrometheusText.Sum(scrape, "alertpipeline_events_processed_total", ("outcome", "dead-lettered")));
        Assert.Equal(1, PrometheusText.Sum(scrape, "alertpipeline_alerts_stored_total"));
        Assert.Equal(1, PrometheusText.Sum(scrape, "alertpipeline_alerts_stored_total", ("severity", severity)));
        Assert.Equal(2, PrometheusText.Sum(scrape, "alertpipeline_detection_latency_seconds_count"));
        Assert.Equal(2, PrometheusText.Sum(scrape, "alertpipeline_detection_latency_seconds_bucket", ("le", "+Inf")));
        Assert.True(PrometheusText.Sum(scrape, "alertpipeline_detection_latency_seconds_sum") > 0);
        Assert.Equal(0, PrometheusText.Sum(scrape, "alertpipeline_queue_backlog"));
        Assert.Equal(0, PrometheusText.Sum(scrape, "alertpipeline_watchdog_level", ("check", EmbeddedQueueProbe.ProgressCheck)));
        Assert.NotNull(PrometheusText.Sum(scrape, "alertpipeline_notifications_pending"));
        Assert.Equal(0, PrometheusText.Sum(scrape, "alertpipeline_notifications_failed"));
        Assert.NotNull(PrometheusText.Sum(scrape, "alertpipeline_outbox_oldest_due_age_seconds"));

        // No label names a school, a device or a pupil; no series is per pupil.
        foreach (var word in new[] { "oakfield", "Oakfield", "jsmith", "OAK-LT" })
        {
            Assert.DoesNotContain(word, scrape, StringComparison.Ordinal);
        }

        var labels = PrometheusText.Samples(scrape).Where(s => s.Name.StartsWith("alertpipeline_", StringComparison.Ordinal))
            .SelectMany(s => s.Labels.Keys).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(["check", "le", "otel_scope_name", "outcome", "severity"], labels.Where(l => l != "otel_scope_version"));
    }

    [Fact]
    public async Task Metrics_TwoHostsInOneProcess_EachScrapeCountsOnlyItsOwnHostsEvents()
    {
        // The listener matches meters by name process-wide: before each host kept to its own meters, a scrape here
        // counted every host's events (a full test run saw 7,599 accepted where 2 were posted).
        await using var busy = await TestHost.StartAsync(WithToken());
        await using var quiet = await TestHost.StartAsync(WithToken());
        busy.UseKey("oakfield");
        quiet.UseKey("oakfield");
        Assert.Equal(HttpStatusCode.Accepted, (await busy.PostEventsAsync(Some.Event(), Some.Event(), Some.Event())).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await quiet.PostEventsAsync(Some.Event())).StatusCode);
        await Eventually.TrueAsync(() => busy.App.Services.GetRequiredService<PipelineMetrics>().EventsProcessed == 3
            && quiet.App.Services.GetRequiredService<PipelineMetrics>().EventsProcessed == 1, "detection in both hosts");

        var busyScrape = await ScrapeAsync(busy.Http, Token);
        var quietScrape = await ScrapeAsync(quiet.Http, Token);

        Assert.Equal(3, PrometheusText.Sum(busyScrape, "alertpipeline_events_received_total", ("outcome", "accepted")));
        Assert.Equal(3, PrometheusText.Sum(busyScrape, "alertpipeline_events_processed_total", ("outcome", "scanned")));
        Assert.Equal(1, PrometheusText.Sum(quietScrape, "alertpipeline_events_received_total", ("outcome", "accepted")));
        Assert.Equal(1, PrometheusText.Sum(quietScrape, "alertpipeline_events_processed_total", ("outcome", "scanned")));
        // One series per name: the other host's instruments are dropped, not reported beside this host's.
        Assert.Single(PrometheusText.Samples(quietScrape), s => s.Name == "alertpipeline_events_received_total");
    }

    [Fact]
    public async Task Metrics_ProtectedByToken_AnonymousAndWrongTokenRefusedWithNoFigures()
    {
        await using var host = await TestHost.StartAsync(WithToken());

        using var anonymous = await host.Http.GetAsync("/metrics");
        using var wrong = await SendAsync(host.Http, new AuthenticationHeaderValue("Bearer", Token[..^1] + "x"));
        using var basic = await SendAsync(host.Http, new AuthenticationHeaderValue("Basic", Token));

        foreach (var refused in new[] { anonymous, wrong, basic })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.DoesNotContain("alertpipeline_", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.StartsWith("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme, StringComparison.Ordinal);
        Assert.Contains("alertpipeline_", await ScrapeAsync(host.Http, Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_OnALoopbackPort_ServedThereOnlyAndThatPortServesNothingElse()
    {
        var port = HostProcess.FreePort();
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Metrics:Enabled"] = "true",
            ["Metrics:Url"] = $"http://127.0.0.1:{port}",
        });
        using var metricsPort = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        Assert.Equal(HttpStatusCode.NotFound, (await host.Http.GetAsync("/metrics")).StatusCode);
        var scrape = await metricsPort.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Contains("alertpipeline_", await scrape.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await metricsPort.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await metricsPort.GetAsync("/sign-in")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Metrics_NotConfigured_NoEndpoint()
    {
        await using var host = await TestHost.StartAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await host.Http.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(host.Http, new AuthenticationHeaderValue("Bearer", Token))).StatusCode);
    }

    [Fact]
    public async Task Start_MetricsEnabledWithNeitherLoopbackUrlNorToken_RefusedNamingTheKeys()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHost.StartAsync(new Dictionary<string, string?> { ["Metrics:Enabled"] = "true" }));

        Assert.Contains("Metrics:Enabled is true but neither Metrics:Url (a loopback address) nor Metrics:ScrapeToken is set", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:9464", "", "Metrics:Url must be an http URL on a loopback address", "(was 'http://0.0.0.0:9464'): the host is not loopback")]
    [InlineData("http://192.168.1.20:9464", "", "Metrics:Url", "(was 'http://192.168.1.20:9464'): the host is not loopback")]
    [InlineData("http://127.0.0.1", "", "Metrics:Url", "it needs an explicit port of its own")]
    [InlineData("https://localhost:9464", "", "Metrics:Url", "not an absolute http:// URL")]
    [InlineData("http://127.0.0.1:9464/stats", "", "Metrics:Url", "the path is always /metrics")]
    [InlineData("", "short", "Metrics:ScrapeToken must be at least 32 characters", "(was 5 characters)")]
    public void Validate_BadMetricsOptions_NamesTheKeyAndTheProblem(string url, string token, string key, string problem)
    {
        var result = new MetricsOptionsValidator().Validate(null, new MetricsOptions { Enabled = true, Url = url, ScrapeToken = token });

        var failure = Assert.Single(result.Failures!);
        Assert.Contains(key, failure, StringComparison.Ordinal);
        Assert.Contains(problem, failure, StringComparison.Ordinal);
        if (token.Length > 0)
        {
            Assert.DoesNotContain(token, failure, StringComparison.Ordinal); // A secret is never echoed.
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:9464", "")]
    [InlineData("http://localhost:9464", "")]
    [InlineData("http://[::1]:9464", "")]
    [InlineData("", Token)]
    public void Validate_LoopbackUrlOrLongToken_Accepted(string url, string token) =>
        Assert.True(new MetricsOptionsValidator().Validate(null, new MetricsOptions { Enabled = true, Url = url, ScrapeToken = token }).Succeeded);

    private static string StoredSeverity(TestHost host)
    {
        using var connection = host.Alerts.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT severity FROM alerts";
        return AlertPipeline.Detection.SeverityNames.ToName((AlertPipeline.Detection.Severity)Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task<string> ScrapeAsync(HttpClient http, string token)
    {
        using var response = await SendAsync(http, new AuthenticationHeaderValue("Bearer", token));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, AuthenticationHeaderValue authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = authorization;
        return await http.SendAsync(request);
    }
}
