using System.CommandLine;
using System.Globalization;
using AlertPipeline.Alerts;
using AlertPipeline.Ingest.ApiKeys;
using AlertPipeline.Notifications;
using AlertPipeline.Queue;
using AlertPipeline.Simulator;

namespace AlertPipeline.Hosting;

/// <summary>
/// <c>alertpipeline demo</c>: the all-in-one host on embedded defaults plus the simulator posting through the real
/// ingest API with a trust-wide key. With <c>--duration</c> it stops by itself, lets the pipeline drain, prints a
/// summary and exits 0.
/// </summary>
internal static class DemoCommand
{
    public static Command Create() => CliCommand.Leaf("demo",
        "the all-in-one host on embedded defaults plus the device-agent simulator",
        [CliOption.DataDir, CliOption.Config, new("duration", "stop by itself after this long, drain and print a summary (e.g. 30s, 5m)", "DURATION"),
         new("port", "the console and ingest port (default 5080; 0 picks a free one)", "N"), .. SimulatorArgs.Options],
        (args, io) => RunAsync(args, io.Output));

    private static async Task<int> RunAsync(CliArgs args, TextWriter output)
    {
        args.NoPositionals();
        var duration = args.GetDuration("duration");
        var port = args.GetInt("port", 5080, 0, 65535);
        var simulator = SimulatorArgs.Apply(args, new SimulatorOptions { ConcerningShare = 0.04 }, defaultRate: 25);

        var overrides = args.CommonOverrides();
        overrides[$"{NotificationOptions.Section}:ConsoleBaseUrl"] = $"http://127.0.0.1:{(port == 0 ? 5080 : port)}";

        // A demo lasts seconds, not a school day: everything notifies at once whatever the hour, and every school's
        // escalation deadlines are seconds, so unacknowledged urgent alerts are seen escalating (deputy, head, trust DSL).
        overrides["Trust:OutOfHoursAtOnce"] = "low";
        var configured = PipelineConfiguration.Build(args.Get("config"), overrides, includeSite: false).GetSection("Trust:Schools").GetChildren().ToList();

        // Ingest accepts events of configured schools only; the simulator's extra schools (--schools N) join the
        // demo's trust for this run, told through the trust DSL.
        foreach (var id in simulator.ResolveSchoolIds().Except(configured.Select(c => c.Key), StringComparer.Ordinal))
        {
            overrides[$"Trust:Schools:{id}:Name"] = id;
        }

        foreach (var school in configured)
        {
            overrides[$"Trust:Schools:{school.Key}:OutOfHoursAtOnce"] = "low";
            overrides[$"Trust:Schools:{school.Key}:Escalation:Critical"] = "00:00:10";
            overrides[$"Trust:Schools:{school.Key}:Escalation:Urgent"] = "00:00:15";
        }

        overrides[$"{NotificationOptions.Section}:EscalationCheckInterval"] = "00:00:02";
        var app = PipelineHost.Build(new HostSettings
        {
            ConfigFile = args.Get("config"),
            Overrides = overrides,
            Urls = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"),
            ConsoleLogLevel = Serilog.Events.LogEventLevel.Warning,
            IncludeSiteConfiguration = false,
        });
        await using (app.ConfigureAwait(false))
        {
            await app.StartAsync().ConfigureAwait(false);
            var (key, info) = app.Services.GetRequiredService<ApiKeyStore>().Create(EventBatchReaderTrustWide, null, "demo simulator");
            await ServeCommand.PrintWhereAsync(app, output).ConfigureAwait(false);
            await Users.ConsoleAccounts.SeedDemoAsync(app, output).ConfigureAwait(false);
            // A school key for trying the Chrome agent (agent/chrome) against the demo: the README's demo steps paste it
            // into the extension's options page, so a person sees their own search become an alert.
            var agentSchool = configured.Any(c => c.Key == "oakfield") ? "oakfield" : configured.Select(c => c.Key).FirstOrDefault() ?? "oakfield";
            var (agentKey, _) = app.Services.GetRequiredService<ApiKeyStore>().Create(agentSchool, null, "demo browser agent");
            await output.WriteLineAsync($"  browser agent  school {agentSchool}, API key {agentKey}   (agent/chrome/README.md: load the extension, paste this key)").ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  simulator      {simulator.SchoolCount} schools x {simulator.PupilsPerSchool} pupils, {simulator.EventsPerSecond} events/s, {simulator.ConcerningShare:P0} concerning, trust-wide key {info.KeyId}")).ConfigureAwait(false);
            await output.WriteLineAsync(duration is null ? "Press Ctrl+C to stop." : $"Stopping by itself after {duration}.").ConfigureAwait(false);

            simulator.Duration = duration;
            simulator.ApiKey = key;
            using var http = new HttpClient { BaseAddress = app.BoundAddress() };
            var runner = SimulatorRunner.Create(http, simulator, TimeProvider.System, app.Services.GetRequiredService<ILoggerFactory>());
            var stopping = app.Lifetime.ApplicationStopping;
            var run = runner.RunAsync(stopping);
            while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false) != run)
            {
                await output.WriteLineAsync(Status(app, runner.Snapshot())).ConfigureAwait(false);
            }

            var stats = await run.ConfigureAwait(false);
            await DrainAsync(app).ConfigureAwait(false);
            var governorPdf = Reports.GovernorSummary.GovernorSummaryDemo.SendMonthToDate(app.Services);
            await DrainAsync(app).ConfigureAwait(false);
            var store = app.Services.GetRequiredService<AlertStore>();
            var alerts = store.Count();
            var escalations = Escalations(store);
            var (_, sent, failed) = app.Services.GetRequiredService<NotificationOutbox>().Counts();
            await output.WriteLineAsync(Status(app, stats)).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"""
                Demo finished: {stats.Accepted} events accepted, {stats.Concerning} of them concerning; {alerts} alerts stored; {sent} notifications written{(failed > 0 ? $", {failed} FAILED" : "")}; {escalations} escalation steps for unacknowledged alerts.
                  see the alerts:        alertpipeline alerts list --data-dir {Storage.StorageServices.DataDirectory(app.Services)}
                  see the notifications: {app.Services.GetRequiredService<IEmailSender>().Describe()}
                  governor summary:      {governorPdf}
                """)).ConfigureAwait(false);
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return 0;
    }

    private const string EventBatchReaderTrustWide = Ingest.EventBatchReader.TrustWideSchool;

    private static string Status(WebApplication app, SimulatorStats stats)
    {
        var metrics = app.Services.GetRequiredService<PipelineMetrics>();
        var (pending, sent, _) = app.Services.GetRequiredService<NotificationOutbox>().Counts();
        return string.Create(CultureInfo.InvariantCulture,
            $"[{stats.Elapsed:mm\\:ss}] sent {stats.Sent} (accepted {stats.Accepted}, concerning {stats.Concerning}) | processed {metrics.EventsProcessed}, alerts {metrics.AlertsStored} | notifications sent {sent}, pending {pending}");
    }

    private static long Escalations(AlertStore store)
    {
        using var connection = store.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM alert_history WHERE action = 'escalated'";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Waits (at most 15 s) until detection has caught up and the outbox is empty, so the summary is complete.</summary>
    private static async Task DrainAsync(WebApplication app)
    {
        var queue = app.Services.GetRequiredService<SqliteEventQueue>();
        var outbox = app.Services.GetRequiredService<NotificationOutbox>();
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(15);
        while (TimeProvider.System.GetUtcNow() < deadline && (queue.Backlog > 0 || outbox.Counts().Pending > 0))
        {
            await Task.Delay(100).ConfigureAwait(false);
        }
    }
}
