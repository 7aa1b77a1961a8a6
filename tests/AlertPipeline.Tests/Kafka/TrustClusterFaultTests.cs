using System.Globalization;
using System.Text.Json.Nodes;
using AlertPipeline.Detection;
using AlertPipeline.Tests.Responder;
using AlertPipeline.Tests.Support;
using Npgsql;

namespace AlertPipeline.Tests.Kafka;

/// <summary>
/// A trust's deployment under faults (issue 16): two detect and two respond processes, each the real executable with
/// its own data directory as on separate machines, one Kafka cluster (librdkafka's 3-broker mock) and one real
/// PostgreSQL, emailing a real SMTP server. While events stream in, a detect and a respond process are killed with
/// SIGKILL and restarted, PostgreSQL is restarted, and a broker goes down. Every concerning event must end as exactly
/// one alert and every notification must reach the SMTP server; the only repeat SMTP allows is the one a killed
/// responder had handed to the server and not yet recorded (docs/delivery.md), so a repeat is counted and bounded.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class TrustClusterFaultTests : IAsyncLifetime
{
    private const int Wave = 1_500;
    private const int EveryNth = 30;
    private const int MaxConcurrentSends = 4;

    private readonly PostgresCluster _postgres = new();
    private readonly KafkaTestCluster _kafka = new();
    private readonly List<TempDirectory> _directories = [];
    private SmtpServer? _smtp;
    private string _connectionString = string.Empty;

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        _connectionString = await _postgres.CreateDatabaseAsync("faults");
        _smtp = await SmtpServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_smtp is not null)
        {
            await _smtp.DisposeAsync();
        }

        _kafka.Dispose();
        await _postgres.DisposeAsync();
        foreach (var directory in _directories)
        {
            directory.Dispose();
        }
    }

    [Fact]
    public async Task KillDetectAndRespondRestartPostgresBrokerDown_NoAlertLostOrDuplicatedEveryEmailDelivered()
    {
        var concerning = new HashSet<string>();
        var detect = new[] { NewDirectory(), NewDirectory() };
        var respond = new[] { NewDirectory(), NewDirectory() };
        var processes = new HostProcess?[4];
        try
        {
            for (var i = 0; i < 2; i++)
            {
                processes[i] = await StartAsync(detect[i], "detect", i);
                processes[2 + i] = await StartAsync(respond[i], "respond", i);
            }

            // 1. A detect process killed while it stores, then started again.
            await _kafka.PublishAsync(Batch(concerning));
            await Eventually.TrueAsync(() => AlertEventIds().Count > 0, "detection to start", TimeSpan.FromSeconds(60));
            processes[0]!.Kill();
            await _kafka.PublishAsync(Batch(concerning));
            processes[0] = await StartAsync(detect[0], "detect", 0);

            // 2. A respond process killed while it sends, then started again.
            await Eventually.TrueAsync(() => _smtp!.Messages().Count > 0, "the first emails", TimeSpan.FromSeconds(60));
            processes[2]!.Kill();
            await _kafka.PublishAsync(Batch(concerning));
            processes[2] = await StartAsync(respond[0], "respond", 0);

            // 3. PostgreSQL restarted (connections cut, down for 3 s) while events stream in and emails go out.
            var before = AlertEventIds().Count;
            await StreamWhileAsync(concerning, () => _postgres.RestartAsync(TimeSpan.FromSeconds(3)));
            Assert.True(before < concerning.Count, "events were still arriving when PostgreSQL went down");

            // 4. A broker down mid-stream.
            await StreamWhileAsync(concerning, async () =>
            {
                _kafka.Mock.SetBrokerDown(1);
                await Task.Delay(TimeSpan.FromSeconds(3));
                _kafka.Mock.SetBrokerUp(1);
            });
            await _kafka.PublishAsync(Batch(concerning));

            List<string> stored;
            try
            {
                stored = await Eventually.ReturnsAsync(AlertEventIds, ids => ids.Count >= concerning.Count, "every alert stored", TimeSpan.FromSeconds(180));
            }
            catch (TimeoutException)
            {
                // Say what is missing and what the processes said, not just that time ran out.
                var problems = processes.Where(p => p is not null).Select((p, i) => $"process {i}:\n" + string.Join('\n',
                    p!.Output.Split('\n').Where(l => l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("error", StringComparison.OrdinalIgnoreCase)
                        || l.Contains("exception", StringComparison.OrdinalIgnoreCase)).TakeLast(15)));
                throw new TimeoutException($"{AlertEventIds().Count} of {concerning.Count} alerts stored\n{string.Join('\n', problems)}");
            }

            var rows = await Eventually.ReturnsAsync(AlertNotifications, r => r.Count > 0 && r.All(n => n.Status == "sent"), "every notification sent", TimeSpan.FromSeconds(180));
            await Task.Delay(TimeSpan.FromSeconds(2)); // A late duplicate, from any process, would arrive within this.

            // No alert lost, none duplicated (one row per concerning event), nothing dead-lettered.
            Assert.Equal(concerning.Order(), stored.Order());
            Assert.Equal(stored.Count, AlertCount());
            Assert.Empty(await _kafka.ReadTopicAsync(_kafka.Topics.DeadLetters));

            // Every alert notified; every notification received; repeats only from the killed responder's sends in flight.
            Assert.Equal(stored.Count, rows.Select(r => r.AlertId).Distinct().Count());
            var mail = _smtp!.Messages().Where(m => m.Kind == "alert").ToList();
            Assert.Equal(rows.Select(r => r.NotificationId).Order(), mail.Select(m => m.NotificationId).Distinct().Order());
            var repeats = mail.Count - mail.Select(m => m.NotificationId).Distinct().Count();
            Assert.True(repeats <= MaxConcurrentSends, $"{repeats} repeated emails; at most {MaxConcurrentSends} (the killed responder's sends in flight) may repeat");
        }
        finally
        {
            foreach (var process in processes)
            {
                if (process is not null)
                {
                    await process.DisposeAsync();
                }
            }
        }
    }

    [Fact]
    public void IsStoreOutage_PostgresRestartingOrUnreachable_RetriedNotDeadLettered()
    {
        // What a client sees while PostgreSQL restarts or fails over: each must be waited out, never judged the event's fault.
        Assert.True(DetectionWorker.IsStoreOutage(new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01")));
        Assert.True(DetectionWorker.IsStoreOutage(new PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03")));
        Assert.True(DetectionWorker.IsStoreOutage(new PostgresException("connection failure", "FATAL", "FATAL", "08006")));
        Assert.True(DetectionWorker.IsStoreOutage(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())));
        Assert.True(DetectionWorker.IsStoreOutage(new InvalidOperationException("wrapped", new System.Net.Sockets.SocketException(111))));
        // An event's own fault is not an outage.
        Assert.False(DetectionWorker.IsStoreOutage(new PostgresException("value too long for type character varying(64)", "ERROR", "ERROR", "22001")));
    }

    /// <summary>Publishes a small batch every 100 ms for as long as <paramref name="fault"/> takes, so the fault lands mid-stream.</summary>
    private async Task StreamWhileAsync(HashSet<string> concerning, Func<Task> fault)
    {
        using var stop = new CancellationTokenSource();
        var streaming = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await _kafka.PublishAsync(Batch(concerning, 90));
                await Task.Delay(100, CancellationToken.None);
            }
        });
        await fault();
        await stop.CancelAsync();
        await streaming;
    }

    private TempDirectory NewDirectory()
    {
        var directory = new TempDirectory();
        _directories.Add(directory);
        return directory;
    }

    private Task<HostProcess> StartAsync(TempDirectory directory, string role, int index)
    {
        var environment = _kafka.ProcessEnvironment();
        environment["Storage__Provider"] = "postgres";
        environment["Storage__ConnectionString"] = _connectionString;
        environment["Notifications__MaxConcurrentSends"] = MaxConcurrentSends.ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in ResponderConfig.For(_smtp!, ("Trust:Schools:oakfield:OutOfHoursAtOnce", "low")))
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }

        if (role == "detect")
        {
            environment["Kafka__GroupInstanceId"] = $"detect-{index}";
        }

        return HostProcess.StartAsync(directory.Path, environment, "--role", role);
    }

    private static JsonObject[] Batch(HashSet<string> concerning, int count = Wave) =>
        KafkaPipelineTests.Batch(count, EveryNth, concerning, pupils: 300);

    private List<string> AlertEventIds() => Query("SELECT event_id FROM alerts", r => r.GetString(0));

    private long AlertCount() => Query("SELECT COUNT(*) FROM alerts", r => r.GetInt64(0)).Single();

    private List<(string NotificationId, string AlertId, string Status, int Attempts)> AlertNotifications() =>
        Query("SELECT notification_id, alert_id, status, attempts FROM notifications WHERE kind = 'alert'",
            r => (r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3)));

    /// <summary>Reads the shared database as an operator's psql would; empty while PostgreSQL is restarting or the tables are not made yet.</summary>
    private List<T> Query<T>(string sql, Func<NpgsqlDataReader, T> read)
    {
        try
        {
            using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ToString());
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(read(reader));
            }

            return rows;
        }
        catch (NpgsqlException)
        {
            return [];
        }
    }
}
