using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AlertPipeline.Ingest.ApiKeys;
using AlertPipeline.Queue;
using Serilog.Events;

namespace AlertPipeline.Hosting;

/// <summary>
/// <c>alertpipeline bench</c>: the embedded pipeline end to end over real HTTP, real SQLite (synchronous=FULL) and
/// the default keyword lists, in one process on this machine. Two phases: (1) throughput: N events posted as fast
/// as a few agents can, timed until detection has committed the last one; (2) latency at a fixed rate: time from
/// acceptance (queue commit) to the event's outcome being durable in the alert store, p50/p99.
/// </summary>
internal static class BenchCommand
{
    private static readonly string[] Benign =
    [
        "photosynthesis diagram labelled", "causes of ww1 gcse", "battle of hastings 1066 facts", "how to solve quadratic equations",
        "romeo and juliet act 3 summary", "bbc bitesize chemistry bonding", "minecraft education edition login", "french verbs etre avoir",
        "Microsoft Word - Macbeth essay.docx", "the water cycle evaporation condensation", "year 9 history homework nazi germany",
        "how many calories in a banana", "premier league table", "spotify", "google classroom", "shakespeare sonnet 18 analysis",
    ];

    private static readonly string[] Concerning = ["i want to die", "how to kill myself", "kms", "suicidal thoughts help"];

    public static Command Create() => CliCommand.Leaf("bench",
        "pipeline throughput and latency (kafka: on librdkafka's 3-broker mock cluster)",
        [new("events", "events in the throughput phase (default 200000)", "N"), new("rate", "events/s in the latency phase (default 5000)", "N"),
         new("seconds", "length of the latency phase (default 20)", "N"), new("batch", "events per ingest request (default 500)", "N"),
         new("agents", "concurrent posting agents (default 32)", "N"), CliOption.Choice("synchronous", "SQLite's synchronous setting", "FULL", "NORMAL"),
         CliOption.DataDir, CliOption.Choice("transport", "the queue between ingest and detection", "embedded", "kafka"),
         new("partitions", "Kafka partitions (default 12)", "N"), new("warmup", "events posted before measuring (default 0)", "N"),
         new("postgres", "store alerts in this PostgreSQL (an Npgsql connection string) instead of SQLite files", "CONNECTION"),
         new("detect-processes", "kafka: detect processes in all, this one and N-1 'serve --role detect' children (default 1)", "N")],
        (args, io) => RunAsync(args, io.Output));

    private static async Task<int> RunAsync(CliArgs args, TextWriter output)
    {
        args.NoPositionals();
        var total = args.GetInt("events", 200_000, 1_000, 10_000_000);
        var rate = args.GetInt("rate", 5_000, 100, 1_000_000);
        var seconds = args.GetInt("seconds", 20, 1, 3_600);
        var batchSize = args.GetInt("batch", 500, 1, 5_000);
        // A trust has hundreds of laptops posting at once; 32 concurrent agents is a modest stand-in, and what lets
        // group commit share fsyncs as it does in production.
        var agents = args.GetInt("agents", 32, 1, 256);
        // Events sent through the whole pipeline, untimed, before phase 1: without them phase 1 also pays for the
        // JIT compiling the hot path (seconds of CPU on two cores), so --warmup shows the warm, steady-state figure.
        var warmup = args.GetInt("warmup", 0, 0, 10_000_000);
        var data = args.Get("data-dir") ?? Path.Combine(Path.GetTempPath(), "alertpipeline-bench-" + Guid.NewGuid().ToString("N")[..8]);

        var overrides = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = data,
            ["Storage:Synchronous"] = args.Choice("synchronous", "FULL", "FULL", "NORMAL"),
            ["Queue:Capacity"] = "20000000",
        };

        // --transport kafka: the same host with Kafka between ingest and detection, on librdkafka's 3-broker mock
        // cluster in this process (real protocol over loopback TCP; no disk, so broker fsyncs are not measured).
        using var kafka = args.Choice("transport", "embedded", "embedded", "kafka") == "kafka"
            ? new Transport.Kafka.MockKafkaCluster(brokers: 3)
            : null;
        if (kafka is not null)
        {
            var partitions = args.GetInt("partitions", 12, 1, 1_000);
            kafka.CreateTopics(new Transport.Kafka.KafkaOptions { EventPartitions = partitions });
            overrides["Transport:Kind"] = "kafka";
            overrides["Kafka:BootstrapServers"] = kafka.BootstrapServers;
            overrides["Kafka:EventPartitions"] = partitions.ToString(CultureInfo.InvariantCulture);
        }

        if (args.Get("postgres") is { } connectionString)
        {
            overrides["Storage:Provider"] = Storage.StorageProviders.Postgres;
            overrides["Storage:ConnectionString"] = connectionString;
        }

        var detectProcesses = args.GetInt("detect-processes", 1, 1, 16);
        if (detectProcesses > 1 && kafka is null)
        {
            throw new CliException("bench: --detect-processes needs --transport kafka (the embedded queue has one reader per data directory)");
        }

        var children = new BenchDetectProcesses();
        await using var stopChildren = children.ConfigureAwait(false);
        for (var i = 1; i < detectProcesses; i++)
        {
            await children.StartAsync(overrides, Path.Combine(data, "detect-" + i.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);
        }

        var app = PipelineHost.Build(new HostSettings
        {
            Overrides = overrides,
            Urls = "http://127.0.0.1:0",
            ConsoleLogLevel = LogEventLevel.Warning,
        });
        await using (app.ConfigureAwait(false))
        {
            await app.StartAsync().ConfigureAwait(false);
            var (key, _) = app.Services.GetRequiredService<ApiKeyStore>().Create("*", null, "bench");
            var queue = app.Services.GetService<SqliteEventQueue>();
            var metrics = app.Services.GetRequiredService<PipelineMetrics>();
            using var http = new HttpClient { BaseAddress = app.BoundAddress(), Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);

            var synchronous = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Storage.StorageOptions>>().Value.Synchronous;
            var store = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Storage.StorageOptions>>().Value.IsPostgres ? "PostgreSQL" : "SQLite";
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"bench: {Environment.ProcessorCount} cores, data {data}, alert store {store}, synchronous={synchronous}, batch {batchSize}, {agents} concurrent agents, transport {(kafka is null ? "embedded queue" : "Kafka (mock cluster, 3 brokers, acks=all) " + kafka.BootstrapServers)}, detect processes {detectProcesses}")).ConfigureAwait(false);
            // Event ids unique to this run: on a PostgreSQL database an earlier run filled, ids it had used would all be
            // known to the alert store, which skips them (idempotent writes), so the run would measure a pipeline that
            // stores nothing. Pupils repeat across runs, as in a school, so their alerts take merges.
            var run = Guid.NewGuid().ToString("N")[..8];
            // Every detect process's count: this one's, and each child's from its /metrics.
            async Task<long> ProcessedAsync() => metrics.EventsProcessed + await children.ProcessedAsync().ConfigureAwait(false);

            if (warmup > 0)
            {
                var warm = Enumerable.Range(0, (warmup + batchSize - 1) / batchSize).Select(b => Batch($"{run}-w", b, batchSize)).ToList();
                var warmedFrom = await ProcessedAsync().ConfigureAwait(false);
                await PostAllAsync(http, warm, agents).ConfigureAwait(false);
                while (await ProcessedAsync().ConfigureAwait(false) - warmedFrom < warm.Count * batchSize)
                {
                    await Task.Delay(5).ConfigureAwait(false);
                }

                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"warm-up: {warm.Count * batchSize:N0} events, untimed")).ConfigureAwait(false);
            }

            // Phase 1: throughput.
            var batches = Enumerable.Range(0, (total + batchSize - 1) / batchSize).Select(b => Batch($"{run}-t", b, batchSize)).ToList();
            var processedBefore = await ProcessedAsync().ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            await PostAllAsync(http, batches, agents).ConfigureAwait(false);
            var ingestSeconds = clock.Elapsed.TotalSeconds;
            var expected = batches.Count * batchSize;
            while (await ProcessedAsync().ConfigureAwait(false) - processedBefore < expected)
            {
                await Task.Delay(5).ConfigureAwait(false);
            }

            var endToEndSeconds = clock.Elapsed.TotalSeconds;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"throughput: {expected:N0} events; ingest (durable ack) {expected / ingestSeconds:N0} events/s; end to end (alert store committed) {expected / endToEndSeconds:N0} events/s ({endToEndSeconds:F2} s)")).ConfigureAwait(false);

            // Phase 2: latency at a fixed rate, in batches of 1/50 s as agents sending every 20 ms would.
            metrics.ResetLatency();
            var perTick = Math.Max(1, rate / 50);
            var ticks = seconds * 50;
            var processedAtStart = await ProcessedAsync().ConfigureAwait(false);
            var latencyBatches = Enumerable.Range(0, ticks).Select(t => Batch($"{run}-l", t, perTick)).ToList();
            var pacing = Stopwatch.StartNew();
            var inFlight = new List<Task>();
            for (var t = 0; t < ticks; t++)
            {
                var due = TimeSpan.FromMilliseconds(t * 20);
                var wait = due - pacing.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait).ConfigureAwait(false);
                }

                inFlight.Add(PostAsync(http, latencyBatches[t]));
            }

            await Task.WhenAll(inFlight).ConfigureAwait(false);
            while (await ProcessedAsync().ConfigureAwait(false) - processedAtStart < (long)ticks * perTick)
            {
                await Task.Delay(5).ConfigureAwait(false);
            }

            var (count, p50, p99, max) = metrics.LatencySummary();
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"latency at {perTick * 50:N0} events/s for {seconds} s: {count:N0} events{(detectProcesses > 1 ? " (those this process detected)" : string.Empty)}, acceptance -> alert store p50 {p50:F1} ms, p99 {p99:F1} ms, max {max:F1} ms")).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"alerts stored: {metrics.AlertsStored:N0}; queue backlog at end: {(queue is null ? "n/a (Kafka)" : queue.Backlog)}")).ConfigureAwait(false);
            await app.StopAsync().ConfigureAwait(false);
        }

        if (args.Get("data-dir") is null)
        {
            Directory.Delete(data, recursive: true);
        }

        return 0;
    }

    private static byte[] Batch(string prefix, int batch, int size)
    {
        var now = DateTimeOffset.UtcNow.AddSeconds(-1).ToString("O", CultureInfo.InvariantCulture);
        var sb = new StringBuilder(size * 220);
        for (var i = 0; i < size; i++)
        {
            var n = (batch * size) + i;
            var text = n % 50 == 0 ? Concerning[n / 50 % Concerning.Length] : Benign[n % Benign.Length];
            sb.Append(new JsonObject
            {
                ["eventId"] = string.Create(CultureInfo.InvariantCulture, $"{prefix}-{n}"),
                ["schoolId"] = (n % 3) switch { 0 => "oakfield", 1 => "riverside", _ => "hillcrest" },
                ["deviceId"] = string.Create(CultureInfo.InvariantCulture, $"LT-{n % 400:D4}"),
                ["userLogin"] = string.Create(CultureInfo.InvariantCulture, $"pupil{n % 2000:D4}"),
                ["occurredAt"] = now,
                ["source"] = (n % 4) switch { 0 => "search", 1 => "typed", 2 => "title", _ => "chat" },
                ["text"] = text,
            }.ToJsonString()).Append('\n');
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Posts every batch from <paramref name="agents"/> concurrent senders, each sending as soon as its last was accepted.</summary>
    private static Task PostAllAsync(HttpClient http, List<byte[]> batches, int agents)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, agents).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < batches.Count)
            {
                await PostAsync(http, batches[i]).ConfigureAwait(false);
            }
        }));
    }

    private static async Task PostAsync(HttpClient http, byte[] ndjson)
    {
        using var content = new ByteArrayContent(ndjson);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        using var response = await http.PostAsync("/api/v1/events", content).ConfigureAwait(false);
        if ((int)response.StatusCode != 202)
        {
            throw new InvalidOperationException($"bench: ingest answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
        }
    }
}
