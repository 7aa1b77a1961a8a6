using System.Net;
using System.Text.Json.Nodes;
using AlertPipeline.Hosting;
using AlertPipeline.Tests.Support;
using AlertPipeline.Storage;
using AlertPipeline.Watchdog;
using Serilog.Events;

namespace AlertPipeline.Tests.Operations;

/// <summary>
/// <c>/health/ready</c> in each of its three states on a real host, and what an anonymous caller learns from it and
/// from <c>/health</c>: whether the pipeline is well and which checks are not, never counts or reasons (ADR 0021).
/// </summary>
public sealed class HealthTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task HealthReady_HealthyThenDegradedThenUnhealthy_AnswersEachAndAnonymousSeesNoCountsOrReasons()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // An ingest process with no detect process: events wait, so detection's progress check can be made to fail.
        var app = PipelineHost.Build(new HostSettings
        {
            Overrides = new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = _dir.Path,
                ["Detection:KeywordsDirectory"] = Path.Combine(AppContext.BaseDirectory, "seeds", "keywords"),
                ["Users:SignInAttemptsPerMinute"] = "10000",
                ["Watchdog:CheckInterval"] = "01:00:00",
            },
            Urls = "http://127.0.0.1:0",
            ConsoleLogLevel = LogEventLevel.Warning,
            Roles = HostRoles.Ingest,
            ConfigureServices = services => services.AddSingleton<TimeProvider>(clock),
        });
        await app.StartAsync();
        try
        {
            using var anonymous = new HttpClient { BaseAddress = app.BoundAddress() };
            var watchdog = app.Services.GetRequiredService<PipelineWatchdog>();

            // Healthy: 200.
            await watchdog.CheckNowAsync();
            var (status, body) = await ReadyAsync(anonymous);
            Assert.Equal((HttpStatusCode.OK, "healthy"), (status, body["status"]!.GetValue<string>()));
            Assert.All(body["checks"]!.AsArray(), c => Assert.Equal("healthy", c!["status"]!.GetValue<string>()));

            // Degraded: 200 (alerts are late, the process still works), the failing check named.
            var (secret, _) = app.Services.GetRequiredService<AlertPipeline.Ingest.ApiKeys.ApiKeyStore>().Create("oakfield", null, "test");
            using (var agent = new HttpClient { BaseAddress = app.BoundAddress() })
            {
                agent.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("ApiKey", secret);
                var post = await agent.PostAsync("/api/v1/events", new StringContent(new JsonArray(Some.Event(), Some.ConcerningEvent()).ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
            }

            await watchdog.CheckNowAsync();
            clock.Advance(TimeSpan.FromMinutes(3));
            await watchdog.CheckNowAsync();
            (status, body) = await ReadyAsync(anonymous);
            Assert.Equal((HttpStatusCode.OK, "degraded"), (status, body["status"]!.GetValue<string>()));
            var progress = Check(body, EmbeddedQueueProbe.ProgressCheck);
            Assert.Equal("degraded", progress["status"]!.GetValue<string>());
            Assert.Null(progress["reason"]); // "… while 2 event(s) wait": a count.
            Assert.Null(progress["figures"]);

            var health = JsonNode.Parse(await anonymous.GetStringAsync("/health"))!.AsObject();
            Assert.Equal(["problems", "status"], health.Select(p => p.Key).Order(StringComparer.Ordinal));
            Assert.Equal("degraded", health["status"]!.GetValue<string>());
            Assert.Equal(EmbeddedQueueProbe.ProgressCheck, health["problems"]![0]!["check"]!.GetValue<string>());
            Assert.Null(health["problems"]![0]!["reason"]);

            // Unhealthy: 503 (a damaged store: nothing accepted could become an alert).
            app.Services.GetRequiredService<StoreFaults>().Damaged("alerts.db", "database disk image is malformed");
            await watchdog.CheckNowAsync();
            (status, body) = await ReadyAsync(anonymous);
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "unhealthy"), (status, body["status"]!.GetValue<string>()));
            Assert.Equal("unhealthy", Check(body, StoreFaults.Check)["status"]!.GetValue<string>());
            Assert.DoesNotContain("alerts.db", body.ToJsonString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode); // A restart would not fix it.

            // Signed-in IT sees the reasons and the counts.
            app.Services.GetRequiredService<AlertPipeline.Users.UserStore>().Create("it.support", ConsoleRoles.It, [], ConsoleSession.Password, mustChangePassword: false);
            using var it = await ConsoleSession.SignInAsync(app, "it.support", ConsoleSession.Password);
            var ready = JsonNode.Parse(await (await it.Http.GetAsync("/health/ready")).Content.ReadAsStringAsync())!;
            Assert.Contains("alerts.db", Check(ready, StoreFaults.Check)["reason"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(2, Check(ready, EmbeddedQueueProbe.ProgressCheck)["figures"]!["backlog"]!.GetValue<double>());
            var full = JsonNode.Parse(await it.Http.GetStringAsync("/health"))!;
            Assert.Equal(2, full["backlog"]!.GetValue<long>());
            Assert.NotNull(full["systemAlerts"]);
            Assert.Contains(full["problems"]!.AsArray(), p => p!["reason"]!.GetValue<string>().Contains("alerts.db", StringComparison.Ordinal));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task<(HttpStatusCode Status, JsonNode Body)> ReadyAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/health/ready");
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static JsonNode Check(JsonNode body, string name) =>
        body["checks"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;
}
