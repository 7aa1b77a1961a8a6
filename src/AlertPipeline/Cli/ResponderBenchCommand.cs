using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AlertPipeline.Alerts;
using AlertPipeline.Hosting;
using AlertPipeline.Ingest.ApiKeys;
using AlertPipeline.Notifications;
using Serilog.Events;

namespace AlertPipeline.Cli;

/// <summary>
/// <c>alertpipeline bench-responder</c>: latency from an event being accepted (the ingest API's 202) to its urgent
/// alert's email being accepted by a real SMTP server, at a fixed event rate. The SMTP server (aiosmtpd, see
/// scripts/bench-responder.sh) writes each accepted message into a Maildir before it answers 250; the file's
/// modification time is the acceptance time. Both times are this machine's clock.
/// </summary>
internal static class ResponderBenchCommand
{
    private const string Urgent = "i want to die";

    private static readonly string[] Benign =
    [
        "photosynthesis diagram labelled", "causes of ww1 gcse", "battle of hastings 1066 facts", "how to solve quadratic equations",
        "romeo and juliet act 3 summary", "bbc bitesize chemistry bonding", "google classroom", "shakespeare sonnet 18 analysis",
    ];

    public static async Task<int> RunAsync(string[] rest, TextWriter output)
    {
        var args = CliArgs.Parse("bench-responder", rest, ["smtp-port", "maildir", "rate", "seconds", "urgent-every", "data-dir"]);
        args.NoPositionals();
        var port = args.GetInt("smtp-port", 0, 1, 65535);
        var maildir = args.Get("maildir") ?? throw new CliException("bench-responder: --maildir DIR is required (the SMTP server's Maildir)");
        var rate = args.GetInt("rate", 5_000, 50, 100_000);
        var seconds = args.GetInt("seconds", 20, 1, 600);
        var urgentEvery = args.GetInt("urgent-every", 100, 1, 100_000);
        var data = args.Get("data-dir") ?? Path.Combine(Path.GetTempPath(), "alertpipeline-bench-responder-" + Guid.NewGuid().ToString("N")[..8]);

        var app = PipelineHost.Build(new HostSettings
        {
            Overrides = new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = data,
                ["Queue:Capacity"] = "20000000",
                ["Notifications:Smtp:Host"] = "127.0.0.1",
                ["Notifications:Smtp:Port"] = port.ToString(CultureInfo.InvariantCulture),
                // Measure delivery, not school hours: nothing is held for the morning.
                ["Trust:OutOfHoursAtOnce"] = "low",
            },
            Urls = "http://127.0.0.1:0",
            ConsoleLogLevel = LogEventLevel.Warning,
        });
        await using (app.ConfigureAwait(false))
        {
            await app.StartAsync().ConfigureAwait(false);
            var (key, _) = app.Services.GetRequiredService<ApiKeyStore>().Create("*", null, "bench");
            using var http = new HttpClient { BaseAddress = PipelineHost.BoundAddress(app), Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);

            // Batches of 1/50 s, as agents sending every 20 ms would; the time each urgent event was accepted is the
            // moment its batch's 202 arrived.
            var perTick = Math.Max(1, rate / 50);
            var ticks = seconds * 50;
            var accepted = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            var pacing = Stopwatch.StartNew();
            var inFlight = new List<Task>();
            var urgentCount = 0;
            for (var t = 0; t < ticks; t++)
            {
                var wait = TimeSpan.FromMilliseconds(t * 20) - pacing.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait).ConfigureAwait(false);
                }

                var (body, urgentIds) = Batch(t, perTick, urgentEvery);
                urgentCount += urgentIds.Count;
                inFlight.Add(PostAsync(http, body, urgentIds, accepted));
            }

            await Task.WhenAll(inFlight).ConfigureAwait(false);
            var outbox = app.Services.GetRequiredService<NotificationOutbox>();
            var store = app.Services.GetRequiredService<AlertStore>();
            var deadline = Stopwatch.StartNew();
            while ((store.Count() < urgentCount || outbox.Counts().Pending > 0) && deadline.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(50).ConfigureAwait(false);
            }

            var latencies = new List<double>();
            foreach (var file in Directory.EnumerateFiles(Path.Combine(maildir, "new")))
            {
                var alertId = Header(file, "X-AlertPipeline-Alert");
                if (alertId is not null && store.Get(alertId) is { } alert && accepted.TryGetValue(alert.EventId, out var at))
                {
                    latencies.Add((new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero) - at).TotalMilliseconds);
                }
            }

            latencies.Sort();
            var (pending, sent, failed) = outbox.Counts();
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"bench-responder: {Environment.ProcessorCount} cores, {perTick * 50:N0} events/s for {seconds} s, 1 urgent in {urgentEvery}: {urgentCount:N0} urgent events; outbox sent {sent:N0}, pending {pending:N0}, failed {failed:N0}")).ConfigureAwait(false);
            if (latencies.Count == 0)
            {
                await output.WriteLineAsync("no email matched an urgent event: is the SMTP server writing to --maildir?").ConfigureAwait(false);
                return 70;
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"event accepted -> urgent email accepted by SMTP: {latencies.Count:N0} emails, p50 {Percentile(latencies, 0.50):F0} ms, p99 {Percentile(latencies, 0.99):F0} ms, max {latencies[^1]:F0} ms")).ConfigureAwait(false);
            await app.StopAsync().ConfigureAwait(false);
        }

        if (args.Get("data-dir") is null)
        {
            Directory.Delete(data, recursive: true);
        }

        return 0;
    }

    private static async Task PostAsync(HttpClient http, byte[] body, List<string> urgentIds, ConcurrentDictionary<string, DateTimeOffset> accepted)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        using var response = await http.PostAsync(new Uri("/api/v1/events", UriKind.Relative), content).ConfigureAwait(false);
        var at = DateTimeOffset.UtcNow;
        response.EnsureSuccessStatusCode();
        foreach (var id in urgentIds)
        {
            accepted[id] = at;
        }
    }

    private static (byte[] Body, List<string> UrgentIds) Batch(int tick, int size, int urgentEvery)
    {
        var now = DateTimeOffset.UtcNow.AddSeconds(-1).ToString("O", CultureInfo.InvariantCulture);
        var sb = new StringBuilder(size * 220);
        var urgent = new List<string>();
        for (var i = 0; i < size; i++)
        {
            var n = (tick * size) + i;
            var id = string.Create(CultureInfo.InvariantCulture, $"r-{n}");
            var isUrgent = n % urgentEvery == 0;
            if (isUrgent)
            {
                urgent.Add(id);
            }

            sb.Append(new JsonObject
            {
                ["eventId"] = id,
                ["schoolId"] = (n % 3) switch { 0 => "oakfield", 1 => "riverside", _ => "hillcrest" },
                ["deviceId"] = string.Create(CultureInfo.InvariantCulture, $"LT-{n % 400:D4}"),
                // Each urgent event from its own pupil: one pupil repeating a phrase is one alert with a count, and
                // this bench measures one email per urgent event.
                ["userLogin"] = isUrgent
                    ? string.Create(CultureInfo.InvariantCulture, $"urgent{n}")
                    : string.Create(CultureInfo.InvariantCulture, $"pupil{n % 2000:D4}"),
                ["occurredAt"] = now,
                ["source"] = "search",
                ["text"] = isUrgent ? Urgent : Benign[n % Benign.Length],
            }.ToJsonString()).Append('\n');
        }

        return (Encoding.UTF8.GetBytes(sb.ToString()), urgent);
    }

    private static string? Header(string file, string name)
    {
        foreach (var line in File.ReadLines(file))
        {
            if (line.Length == 0)
            {
                return null; // End of the headers.
            }

            if (line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            {
                return line[(name.Length + 1)..].Trim();
            }
        }

        return null;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
