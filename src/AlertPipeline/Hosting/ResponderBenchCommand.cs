using AlertPipeline.Schools;
using System.CommandLine;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Ingest.ApiKeys;
using AlertPipeline.Notifications;
using Serilog.Events;

namespace AlertPipeline.Hosting;

/// <summary>
/// <c>alertpipeline bench-responder</c>: latency from an event being accepted (the ingest API's 202) to its urgent
/// alert's email being accepted by a real SMTP server, at a fixed event rate. The SMTP server (aiosmtpd, see
/// scripts/bench-responder.sh) writes each accepted message into a Maildir before it answers 250; the file's
/// modification time is the acceptance time. Both times are this machine's clock.
/// </summary>
/// <para>
/// With <c>--concerning SHARE</c> it is an alert storm: that share of events is concerning, in a fixed mix (of every
/// ten: one critical, two urgent, four high, three medium), each from its own pupil so each is its own alert, and
/// the latency is reported per severity. With <c>--drain N</c> it then writes N high-severity notifications to the
/// outbox in one transaction and times how fast the dispatcher sends them all to the SMTP server.
/// </para>
internal static class ResponderBenchCommand
{
    private const string Urgent = "i want to die";

    // The storm's concerning texts, by position in a run of ten concerning events (severities as the shipped lists
    // judge them; the bench reports what was actually stored).
    private static readonly string[] StormMix =
    [
        "how to kill myself tonight", "i want to die", "buy a knife online", "delete my messages", "delete my messages",
        "delete my messages", "delete my messages", "being bullied", "being bullied", "being bullied",
    ];

    private static readonly string[] Benign =
    [
        "photosynthesis diagram labelled", "causes of ww1 gcse", "battle of hastings 1066 facts", "how to solve quadratic equations",
        "romeo and juliet act 3 summary", "bbc bitesize chemistry bonding", "google classroom", "shakespeare sonnet 18 analysis",
    ];

    public static Command Create() => CliCommand.Leaf("bench-responder",
        "event accepted -> urgent email accepted by SMTP, p50/p99 (scripts/bench-responder.sh runs the SMTP server)",
        [new("smtp-port", "the SMTP server's port", "N"), new("maildir", "the SMTP server's Maildir", "DIR"), new("rate", "events/s (default 5000)", "N"),
         new("seconds", "how long (default 20)", "N"), new("urgent-every", "one urgent event in N (default 100)", "N"),
         new("concerning", "instead: this share of events concerning (0.10)", "SHARE"), new("drain", "wait for this many emails", "N"), CliOption.DataDir],
        (args, io) => RunAsync(args, io.Output));

    private static async Task<int> RunAsync(CliArgs args, TextWriter output)
    {
        args.NoPositionals();
        var port = args.GetInt("smtp-port", 0, 1, 65535);
        var maildir = args.Get("maildir") ?? throw new CliException("bench-responder: --maildir DIR is required (the SMTP server's Maildir)");
        var rate = args.GetInt("rate", 5_000, 50, 100_000);
        var seconds = args.GetInt("seconds", 20, 1, 600);
        var urgentEvery = args.GetInt("urgent-every", 100, 1, 100_000);
        var concerning = args.Get("concerning") is { } share
            ? double.TryParse(share, NumberStyles.Float, CultureInfo.InvariantCulture, out var c) && c is > 0 and <= 1 ? c
                : throw new CliException($"bench-responder: --concerning must be a share between 0 and 1, e.g. 0.10 (was '{share}')")
            : (double?)null;
        var storm = concerning is not null;
        if (storm)
        {
            urgentEvery = Math.Max(1, (int)Math.Round(1 / concerning!.Value));
        }

        var drain = args.GetInt("drain", 0, 0, 1_000_000);
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
            using var http = new HttpClient { BaseAddress = app.BoundAddress(), Timeout = TimeSpan.FromMinutes(5) };
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

                var (body, urgentIds) = Batch(t, perTick, urgentEvery, storm);
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

            var bySeverity = new Dictionary<Severity, List<double>>();
            foreach (var file in Directory.EnumerateFiles(Path.Combine(maildir, "new")))
            {
                var alertId = Header(file, "X-AlertPipeline-Alert");
                if (alertId is not null && store.Get(alertId) is { } alert && accepted.TryGetValue(alert.EventId, out var at))
                {
                    if (!bySeverity.TryGetValue(alert.Severity, out var list))
                    {
                        bySeverity[alert.Severity] = list = [];
                    }

                    list.Add((new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero) - at).TotalMilliseconds);
                }
            }

            var (pending, sent, failed) = outbox.Counts();
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"bench-responder: {Environment.ProcessorCount} cores, {perTick * 50:N0} events/s for {seconds} s, 1 concerning in {urgentEvery}{(storm ? " (storm mix)" : " (urgent)")}: {urgentCount:N0} concerning events, {store.Count():N0} alerts; outbox sent {sent:N0}, pending {pending:N0}, failed {failed:N0}")).ConfigureAwait(false);
            if (storm)
            {
                foreach (var (severity, list) in bySeverity.OrderByDescending(b => b.Key))
                {
                    list.Sort();
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"event accepted -> {severity.ToName()} email accepted by SMTP: {list.Count:N0} emails, p50 {Percentile(list, 0.50):F0} ms, p99 {Percentile(list, 0.99):F0} ms, max {list[^1]:F0} ms")).ConfigureAwait(false);
                }
            }

            if (drain > 0)
            {
                await output.WriteLineAsync(await DrainAsync(app, maildir, drain).ConfigureAwait(false)).ConfigureAwait(false);
            }

            var latencies = bySeverity.Values.SelectMany(l => l).ToList();
            latencies.Sort();
            if (latencies.Count == 0)
            {
                await output.WriteLineAsync("no email matched an urgent event: is the SMTP server writing to --maildir?").ConfigureAwait(false);
                return 70;
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"event accepted -> {(storm ? "any" : "urgent")} email accepted by SMTP: {latencies.Count:N0} emails, p50 {Percentile(latencies, 0.50):F0} ms, p99 {Percentile(latencies, 0.99):F0} ms, max {latencies[^1]:F0} ms")).ConfigureAwait(false);
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

    /// <summary>
    /// Writes <paramref name="count"/> high-severity notifications (distinct recipients of one stored alert) to the
    /// outbox in one transaction, then times how long the dispatcher takes to have the SMTP server accept them all.
    /// </summary>
    private static async Task<string> DrainAsync(WebApplication app, string maildir, int count)
    {
        var store = app.Services.GetRequiredService<AlertStore>();
        var outbox = app.Services.GetRequiredService<NotificationOutbox>();
        string alertId;
        var start = DateTimeOffset.UtcNow;
        using (var connection = store.Database.Open())
        {
            using var pick = connection.CreateCommand();
            pick.CommandText = "SELECT alert_id FROM alerts ORDER BY rowid LIMIT 1";
            alertId = pick.ExecuteScalar() as string ?? throw new CliException("bench-responder: --drain needs at least one stored alert");
            using var transaction = connection.BeginTransaction();
            for (var i = 0; i < count; i++)
            {
                var target = new Schools.Target(string.Create(CultureInfo.InvariantCulture, $"drain{i}@oakfield.example"), NotificationChannels.Email);
                NotificationOutbox.Insert(connection, transaction, alertId, OutboxNotification.For(alertId, target, NotificationKinds.Alert), start);
            }

            transaction.Commit();
        }

        app.Services.GetRequiredService<NotificationSignal>().Notify();
        var deadline = Stopwatch.StartNew();
        while (outbox.Counts().Pending > 0 && deadline.Elapsed < TimeSpan.FromMinutes(10))
        {
            await Task.Delay(50).ConfigureAwait(false);
        }

        // Only the drain's own messages: storm notifications still being sent must not count.
        var files = Directory.EnumerateFiles(Path.Combine(maildir, "new"))
            .Where(f => Header(f, "To")?.StartsWith("drain", StringComparison.Ordinal) == true)
            .Select(f => new DateTimeOffset(File.GetLastWriteTimeUtc(f), TimeSpan.Zero)).ToList();
        var delivered = files.Count;
        var seconds = files.Count == 0 ? double.NaN : (files.Max() - start).TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture,
            $"outbox drain: {count:N0} notifications written at once; {delivered:N0} accepted by SMTP in {seconds:F2} s = {delivered / seconds:N0} notifications/s (pending left {outbox.Counts().Pending:N0})");
    }

    private static (byte[] Body, List<string> UrgentIds) Batch(int tick, int size, int urgentEvery, bool storm)
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
                ["text"] = !isUrgent ? Benign[n % Benign.Length] : storm ? StormMix[n / urgentEvery % StormMix.Length] : Urgent,
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
