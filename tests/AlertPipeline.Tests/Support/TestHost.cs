using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AlertPipeline.Alerts;
using AlertPipeline.Hosting;
using AlertPipeline.Ingest.ApiKeys;
using Serilog.Events;

namespace AlertPipeline.Tests.Support;

/// <summary>
/// The real all-in-one host, in-process, on a free loopback port, with its own data directory (real SQLite files)
/// and the repository's keyword lists. Tests talk to it over real HTTP.
/// </summary>
internal sealed class TestHost : IAsyncDisposable
{
    private readonly TempDirectory? _ownedDirectory;

    private TestHost(WebApplication app, string dataDirectory, TempDirectory? owned)
    {
        App = app;
        DataDirectory = dataDirectory;
        _ownedDirectory = owned;
        Http = new HttpClient { BaseAddress = app.BoundAddress(), Timeout = TimeSpan.FromSeconds(60) };
    }

    public WebApplication App { get; }

    public string DataDirectory { get; }

    public HttpClient Http { get; }

    public string OutboxDirectory => Path.Combine(DataDirectory, "outbox");

    public AlertStore Alerts => App.Services.GetRequiredService<AlertStore>();

    public static async Task<TestHost> StartAsync(
        IDictionary<string, string?>? overrides = null,
        string? dataDirectory = null,
        Action<IServiceCollection>? configureServices = null,
        string? configFile = null,
        string urls = "http://127.0.0.1:0")
    {
        var owned = dataDirectory is null ? new TempDirectory() : null;
        var data = dataDirectory ?? owned!.Path;
        var settings = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = data,
            ["Detection:KeywordsDirectory"] = Path.Combine(AppContext.BaseDirectory, "seeds", "keywords"),
            ["Queue:PollInterval"] = "00:00:00.200",
            ["Notifications:PollInterval"] = "00:00:00.200",

            // Tests sign in many sessions from 127.0.0.1; the per-address limit has its own test.
            ["Users:SignInAttemptsPerMinute"] = "10000",
            // Nothing is held for school hours by default (Trust:OutOfHoursAtOnce low), so no outcome depends on when a
            // test runs; tests about holding set a fake clock and a school's own OutOfHoursAtOnce.
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = PipelineHost.Build(new HostSettings
        {
            ConfigFile = configFile,
            Overrides = settings,
            Urls = urls,
            ConsoleLogLevel = LogEventLevel.Warning,
            ConfigureServices = configureServices,
        });
        await app.StartAsync();
        return new TestHost(app, data, owned);
    }

    /// <summary>Creates an API key for a school (or "*") and sets it on <see cref="Http"/>.</summary>
    public string UseKey(string school = "oakfield", string? device = null)
    {
        var (secret, _) = App.Services.GetRequiredService<ApiKeyStore>().Create(school, device, "test");
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", secret);
        return secret;
    }

    /// <summary>
    /// <c>/health</c> (or <c>/health/ready</c>) as signed-in IT sees it, with the reasons and counts (anonymous callers get the status and the
    /// names of failing checks only, ADR 0021). Creates the IT account on first use.
    /// </summary>
    public async Task<JsonNode> HealthAsync(string path = "/health")
    {
        const string name = "health.it";
        if (App.Services.GetRequiredService<AlertPipeline.Users.UserStore>().Find(name) is null)
        {
            ConsoleSession.CreateUser(this, name, ConsoleRoles.It);
        }

        using var it = await ConsoleSession.SignInAsync(this, name, ConsoleSession.Password);
        var response = await it.Http.GetAsync(path); // /health/ready answers 503 when unhealthy, with the same body.
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    public Task<HttpResponseMessage> PostEventsAsync(params JsonObject[] events) =>
        Http.PostAsync("/api/v1/events", new StringContent(new JsonArray(events.Select(e => (JsonNode)e.DeepClone()).ToArray()).ToJsonString(), Encoding.UTF8, "application/json"));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        _ownedDirectory?.Dispose();
    }
}
