using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AlertPipeline.Ingest.ApiKeys;
using AlertPipeline.Storage;
using AlertPipeline.Tests.Support;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Kafka;

/// <summary>
/// The pipeline split across processes with Kafka between them, against a 3-broker Kafka-protocol cluster.
/// Each test proves one promise of docs/delivery.md.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class KafkaPipelineTests : IDisposable
{
    private readonly KafkaTestCluster _kafka = new();
    private readonly TempDirectory _ingestDir = new();
    private readonly TempDirectory _detectDir = new();

    public void Dispose()
    {
        _kafka.Dispose();
        _ingestDir.Dispose();
        _detectDir.Dispose();
    }

    [Fact]
    public async Task SplitRoles_IngestDetectRespondProcesses_EveryConcerningEventAlertedOnceNotifiedAndPublished()
    {
        var key = CreateKey(_ingestDir.Path);
        var environment = _kafka.ProcessEnvironment();
        await using var ingest = await HostProcess.StartAsync(_ingestDir.Path, environment, "--role", "ingest");
        await using var detect = await HostProcess.StartAsync(_detectDir.Path, environment, "--role", "detect");
        await using var respond = await HostProcess.StartAsync(_detectDir.Path, environment, "--role", "respond");

        var concerning = new HashSet<string>();
        using var http = Client(ingest.Address, key);
        for (var batch = 0; batch < 5; batch++)
        {
            var events = Batch(200, 20, concerning, pupils: 50);
            var response = await http.PostAsync("events", Body(events));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var alerts = await Eventually.ReturnsAsync(() => KafkaTestCluster.AlertsIn(_detectDir.Path), a => a.Count >= concerning.Count, "every alert stored", TimeSpan.FromSeconds(60));
        Assert.Equal(concerning.Order(), alerts.Select(a => a.EventId).Order());

        // Kafka, not a shared file, carried the events: neither data directory has an embedded queue.
        Assert.False(File.Exists(Path.Combine(_ingestDir.Path, "queue.db")));
        Assert.False(File.Exists(Path.Combine(_detectDir.Path, "queue.db")));
        Assert.Empty(KafkaTestCluster.AlertsIn(_ingestDir.Path));

        // The responder sends one notification per alert and publishes each alert to the alerts topic.
        await Eventually.TrueAsync(() => OutboxFiles(_detectDir.Path) == alerts.Count, "one notification per alert", TimeSpan.FromSeconds(60));
        var published = await Eventually.ReturnsAsync(
            () => _kafka.ReadTopicAsync(_kafka.Topics.Alerts).GetAwaiter().GetResult(), r => r.Count >= alerts.Count, "alerts on the alerts topic", TimeSpan.FromSeconds(30));
        Assert.Equal(alerts.Select(a => a.AlertId).Order(), published.Select(r => (string)r["key"]!).Distinct().Order());
    }

    [Fact]
    public async Task BrokerDownMidStream_EveryAcknowledgedEventBecomesItsAlert()
    {
        await using var host = await TestHost.StartAsync(_kafka.HostOverrides());
        host.UseKey();
        var concerning = new HashSet<string>();
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostEventsAsync(Batch(300, 15, concerning, pupils: 100))).StatusCode);

        _kafka.Mock.SetBrokerDown(1);
        var duringOutage = host.PostEventsAsync(Batch(300, 15, concerning, pupils: 100));

        // Whether ingest answers during the outage depends on whether the cluster has moved leadership off broker 1
        // yet (acks=all is then met by the live replicas), so the test does not time it; what must hold either way is
        // below: every event acknowledged before, during and after the outage becomes its alert.
        await Task.Delay(TimeSpan.FromSeconds(3));
        _kafka.Mock.SetBrokerUp(1);
        Assert.Equal(HttpStatusCode.Accepted, (await duringOutage).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostEventsAsync(Batch(300, 15, concerning, pupils: 100))).StatusCode);

        var alerts = await Eventually.ReturnsAsync(() => host.Alerts.List(new()), a => a.Count >= concerning.Count, "every alert stored", TimeSpan.FromSeconds(90));
        Assert.Equal(concerning.Order(), alerts.Select(a => a.EventId).Order());
    }

    [Fact]
    public async Task DetectKilledMidStream_RestartStoresEveryAlertExactlyOnceAndNotifiesOnce()
    {
        var concerning = new HashSet<string>();
        await _kafka.PublishAsync(Batch(16_000, 40, concerning, pupils: 500));

        // One-event batches make detection take long enough to be killed in the middle of it (each store of up to
        // four batches is a transaction with its fsync). 4,000 events were once all detected before the first alert
        // was seen (a fast disk): 16,000 leave a margin of several seconds.
        var slow = _kafka.ProcessEnvironment(readBatchSize: 1);
        await using (var detect = await HostProcess.StartAsync(_detectDir.Path, slow, "--role", "detect"))
        {
            await Eventually.TrueAsync(() => KafkaTestCluster.AlertsIn(_detectDir.Path).Count > 0, "detection to start", TimeSpan.FromSeconds(60));
            detect.Kill();
        }

        var atCrash = KafkaTestCluster.AlertsIn(_detectDir.Path).Count;
        Assert.True(atCrash < concerning.Count, $"the kill should land mid-stream ({atCrash} of {concerning.Count} alerts stored)");

        await using (var detect = await HostProcess.StartAsync(_detectDir.Path, _kafka.ProcessEnvironment(), "--role", "all"))
        {
            await Eventually.TrueAsync(() => KafkaTestCluster.AlertsIn(_detectDir.Path).Count >= concerning.Count, "the rest of the stream", TimeSpan.FromSeconds(90));
            await Eventually.ReturnsAsync(() => (Files: OutboxFiles(_detectDir.Path), Rows: NotificationStatuses(_detectDir.Path)), n => n.Files >= concerning.Count, "notifications", TimeSpan.FromSeconds(60));
            await Task.Delay(TimeSpan.FromSeconds(1)); // Anything duplicated would show up in this second.
        }

        var alerts = KafkaTestCluster.AlertsIn(_detectDir.Path);
        Assert.Equal(concerning.Order(), alerts.Select(a => a.EventId).Order());
        Assert.Equal(alerts.Count, OutboxFiles(_detectDir.Path));
    }

    [Fact]
    public async Task TwoDetectProcessesInOneGroup_ShareThePartitionsAndTheSurvivorTakesOverWhenOneIsKilled()
    {
        var environment = _kafka.ProcessEnvironment();
        await using var first = await HostProcess.StartAsync(_detectDir.Path, environment, "--role", "detect");
        await Eventually.TrueAsync(() => first.Output.Contains("assigned partitions", StringComparison.Ordinal), "the first to join the group");
        await using var second = await HostProcess.StartAsync(_detectDir.Path, environment, "--role", "detect");
        await Eventually.TrueAsync(() => second.Output.Contains("assigned partitions", StringComparison.Ordinal), "the second to join (a rebalance)");

        var concerning = new HashSet<string>();
        await _kafka.PublishAsync(Batch(2_000, 40, concerning, pupils: 400));
        await Eventually.TrueAsync(() => KafkaTestCluster.AlertsIn(_detectDir.Path).Count >= concerning.Count, "alerts from both", TimeSpan.FromSeconds(60));
        var (firstProcessed, secondProcessed) = (await ProcessedAsync(first), await ProcessedAsync(second));
        Assert.True(firstProcessed > 0 && secondProcessed > 0, $"both should get partitions (first {firstProcessed}, second {secondProcessed})");
        Assert.True(firstProcessed + secondProcessed < 3_000, $"a shared group reads each event about once, not once per process ({firstProcessed} + {secondProcessed} of 2000)");

        first.Kill();
        await _kafka.PublishAsync(Batch(2_000, 40, concerning, pupils: 400));
        await Eventually.ReturnsAsync(() => (Alerts: KafkaTestCluster.AlertsIn(_detectDir.Path).Count, Log: second.Output[^Math.Min(3000, second.Output.Length)..]), a => a.Alerts >= concerning.Count, "the survivor to take over every partition", TimeSpan.FromSeconds(90));
        // Every alert stored is not every event processed: the ordinary events after a partition's last concerning one,
        // and the count of the batch just stored, can still be on their way. Wait for the count, not read it at once.
        await Eventually.ReturnsAsync(() => ProcessedAsync(second).GetAwaiter().GetResult() - secondProcessed, read => read >= 2_000,
            "the survivor to read every event of the second half", TimeSpan.FromSeconds(90));
        Assert.Equal(concerning.Order(), KafkaTestCluster.AlertsIn(_detectDir.Path).Select(a => a.EventId).Order());
    }

    /// <summary>
    /// Issue 17: the consumer lag an operator scrapes from a detect process's /metrics (the watchdog's gauge
    /// alertpipeline.kafka.consumer_lag): zero while nothing waits, above zero and no more than what was published while
    /// detection is behind, falling to zero once every record is processed.
    /// <para>
    /// The events are published only once the process is running and its gauge reads zero: published before it started,
    /// a fast machine processed all 3,000 before the watchdog's first measurement (a clean-clone run scraped lag 674 with
    /// every event already processed, then 0), so "behind" was never seen. Published to a running consumer, detection
    /// (one event a batch) cannot finish before the burst it is draining has been measured.
    /// </para>
    /// </summary>
    [Fact]
    public async Task Metrics_DetectBehindOnKafka_ConsumerLagScrapedAboveZeroThenFallsToZero()
    {
        const int Published = 20_000;
        var concerning = new HashSet<string>();
        var events = Batch(Published, 50, concerning, pupils: 300);

        // One-event batches keep detection behind long enough to be seen behind; the watchdog measures every 200 ms.
        var environment = _kafka.ProcessEnvironment(readBatchSize: 1);
        environment["Watchdog__CheckInterval"] = "00:00:00.200";
        await using var detect = await HostProcess.StartAsync(_detectDir.Path, environment, "--role", "detect");
        var idle = await Eventually.ReturnsAsync(
            () => PrometheusText.Sum(detect.ScrapeAsync().GetAwaiter().GetResult(), "alertpipeline_kafka_consumer_lag"), lag => lag is not null,
            "the watchdog to measure the lag of the partitions assigned", TimeSpan.FromSeconds(60));
        Assert.Equal(0, idle);

        var seen = new List<(double Lag, double Processed)>();
        var publishing = _kafka.PublishAsync(events);
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!publishing.IsCompleted || seen.Count == 0 || seen[^1].Lag > 0 || seen[^1].Processed < Published)
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for the lag to fall to zero with every record processed (scrapes: {string.Join(", ", seen.TakeLast(20))})");
            var scrape = await detect.ScrapeAsync();
            if (PrometheusText.Sum(scrape, "alertpipeline_kafka_consumer_lag") is { } lag)
            {
                seen.Add((lag, PrometheusText.Sum(scrape, "alertpipeline_events_processed_total") ?? 0));
            }

            await Task.Delay(100);
        }

        await publishing;
        var scrapes = string.Join(", ", seen);
        Assert.True(seen.Any(s => s.Lag > 0 && s.Processed < Published), $"a scrape while detection was behind should show lag > 0 (scrapes: {scrapes})");
        Assert.All(seen, s => Assert.InRange(s.Lag, 0, Published));
        Assert.Equal(0, seen[^1].Lag);
        Assert.Equal(concerning.Count, KafkaTestCluster.AlertsIn(_detectDir.Path).Count);
    }

    /// <summary>Events from <paramref name="pupils"/> pupils, every <paramref name="everyNth"/>th concerning (its id added to <paramref name="concerning"/>).</summary>
    internal static JsonObject[] Batch(int count, int everyNth, HashSet<string> concerning, int pupils) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var isConcerning = i % everyNth == 0;

            // Each concerning event from its own pupil: one pupil repeating a phrase is (rightly) one alert with a count.
            var login = isConcerning
                ? "oak.concern" + Guid.NewGuid().ToString("N")[..12]
                : "oak.pupil" + Random.Shared.Next(pupils).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var e = Some.Event(isConcerning ? "i want to die" : "revision notes on the water cycle", userLogin: login);
            if (isConcerning)
            {
                concerning.Add((string)e["eventId"]!);
            }

            return e;
        }).ToArray();

    private static async Task<long> ProcessedAsync(HostProcess host)
    {
        // Counts are not on the anonymous /health (ADR 0021): read from the process's metrics, as an operator would.
        return (long)(PrometheusText.Sum(await host.ScrapeAsync(), "alertpipeline_events_processed_total") ?? 0);
    }

    private static string NotificationStatuses(string dataDirectory)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataDirectory, "alerts.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT status || '=' || COUNT(*) || ' ' || MAX(attempts) || ' ' || COALESCE(MAX(last_error), '') || ' due ' || (MAX(next_attempt_at) - CAST(strftime('%s','now') AS INTEGER) * 1000) FROM notifications GROUP BY status";
        using var reader = command.ExecuteReader();
        var result = new List<string>();
        while (reader.Read())
        {
            result.Add(reader.GetString(0));
        }

        return string.Join(", ", result);
    }

    private static int OutboxFiles(string dataDirectory)
    {
        var outbox = Path.Combine(dataDirectory, "outbox");
        return Directory.Exists(outbox) ? Directory.GetFiles(outbox, "*.eml").Length : 0;
    }

    private static string CreateKey(string dataDirectory)
    {
        var options = Options.Create(new StorageOptions { DataDirectory = dataDirectory });
        return new ApiKeyStore(TestStores.For(options), TimeProvider.System).Create("oakfield", null, "kafka test").Secret;
    }

    private static HttpClient Client(Uri address, string key)
    {
        var http = new HttpClient { BaseAddress = new Uri(address, "api/v1/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        return http;
    }

    private static StringContent Body(JsonObject[] events) =>
        new(new JsonArray(events.Select(e => (JsonNode)e).ToArray()).ToJsonString(), Encoding.UTF8, "application/json");
}
