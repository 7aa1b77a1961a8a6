using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AlertPipeline.Alerts;
using AlertPipeline.Ingest.ApiKeys;
using AlertPipeline.Storage;
using AlertPipeline.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Pipeline;

/// <summary>
/// The embedded pipeline's promise: an acknowledged event survives a crash, and after a restart every accepted
/// event is processed exactly once in effect (one alert per concerning event, one notification per alert).
/// The host runs as a child process and is killed with SIGKILL.
/// </summary>
public sealed class CrashResumeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task KilledAfterAckAndAgainMidDetection_RestartProcessesEveryAcceptedEventExactlyOnce()
    {
        var key = CreateKey();
        // 20,000 (was 5,000): the same margin DetectKilledMidStream needed. The kill below lands when the test sees the
        // first commit; a test process starved for a second or two by the full suite, on a disk whose fsync is cheap,
        // could otherwise see detection only after the whole backlog was done.
        const int Events = 20_000;
        var concerning = new HashSet<string>();
        var accepted = 0;

        // 1. An ingest-only process acknowledges events and is killed straight after the last 2xx.
        await using (var ingest = await HostProcess.StartAsync(_dir.Path, null, "--role", "ingest"))
        {
            using var http = Client(ingest.Address, key);
            for (var batch = 0; batch < Events / 500; batch++)
            {
                var events = Enumerable.Range(0, 500).Select(i =>
                {
                    var isConcerning = i % 25 == 0;
                    // A different pupil each: one pupil repeating a phrase would (rightly) be one alert with a count.
                    var pupil = $"oak.pupil{batch:D2}{i:D3}";
                    var e = isConcerning ? Some.Event("i want to die", userLogin: pupil) : Some.Event("revision notes on the water cycle", userLogin: pupil);
                    if (isConcerning)
                    {
                        concerning.Add(e["eventId"]!.GetValue<string>());
                    }

                    return e;
                }).ToArray();
                var response = await http.PostAsync("events", Body(events));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                accepted += (int)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["accepted"]!;
            }

            ingest.Kill();
        }

        Assert.Equal(Events, accepted);
        Assert.Equal(Events, QueueCount("SELECT COUNT(*) FROM events"));

        // 2. A full process starts on the backlog and is killed mid-detection. One event per batch means one
        // fsync'd commit per event, so the backlog takes far longer than start-up: the kill lands mid-way.
        var slow = new Dictionary<string, string> { ["Queue__ReadBatchSize"] = "1" };
        await using (var host = await HostProcess.StartAsync(_dir.Path, slow))
        {
            await Eventually.TrueAsync(() => QueueCount($"SELECT COALESCE(MAX(position), 0) FROM consumers") > 0, "detection to start");
            host.Kill();
        }

        var committedAtCrash = QueueCount("SELECT COALESCE(MAX(position), 0) FROM consumers");
        Assert.True(committedAtCrash < Events, $"the crash should land mid-detection (committed {committedAtCrash} of {Events})");

        // 3. Restarted, it finishes the backlog.
        await using (var host = await HostProcess.StartAsync(_dir.Path))
        {
            await Eventually.TrueAsync(() => QueueCount("SELECT COALESCE(MAX(position), 0) FROM consumers") == Events, "the backlog to drain", TimeSpan.FromSeconds(120));
            await Eventually.TrueAsync(() => OutboxCount("status = 'pending'") == 0, "notifications to be written", TimeSpan.FromSeconds(120));
            host.Kill();
        }

        var alerts = new AlertStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path })).List(new());
        Assert.Equal(concerning.Count, alerts.Count);
        Assert.Equal(concerning.Order(), alerts.Select(a => a.EventId).Order());
        Assert.Equal(alerts.Count, OutboxCount("status = 'sent'"));
        Assert.Equal(alerts.Count, Directory.GetFiles(Path.Combine(_dir.Path, "outbox"), "*.eml").Length);
    }

    private string CreateKey()
    {
        var options = Options.Create(new StorageOptions { DataDirectory = _dir.Path });
        var (secret, _) = new ApiKeyStore(TestStores.For(options), TimeProvider.System).Create("oakfield", null, "crash test");
        return secret;
    }

    private static HttpClient Client(Uri address, string key)
    {
        var http = new HttpClient { BaseAddress = new Uri(address, "api/v1/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        return http;
    }

    private static StringContent Body(JsonObject[] events) =>
        new(new JsonArray(events.Select(e => (JsonNode)e).ToArray()).ToJsonString(), Encoding.UTF8, "application/json");

    private long QueueCount(string sql) => Scalar(Path.Combine(_dir.Path, "queue.db"), sql);

    private long OutboxCount(string where) => Scalar(Path.Combine(_dir.Path, "alerts.db"), $"SELECT COUNT(*) FROM notifications WHERE {where}");

    private static long Scalar(string path, string sql)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        try
        {
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (SqliteException)
        {
            return 0; // Table not created yet.
        }
    }
}
