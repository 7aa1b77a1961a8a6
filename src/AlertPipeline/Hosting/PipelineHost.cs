using AlertPipeline.Alerts;
using AlertPipeline.Checks;
using AlertPipeline.ConsoleUi;
using AlertPipeline.Detection;
using AlertPipeline.Ingest;
using AlertPipeline.Notifications;
using AlertPipeline.Queue;
using AlertPipeline.Retention;
using AlertPipeline.Storage;
using AlertPipeline.Transport;
using AlertPipeline.Watchdog;
using Serilog;
using Serilog.Events;

using AlertPipeline.Backup;

namespace AlertPipeline.Hosting;


/// <summary>What a host runs, chosen by the command (serve, demo) or a test.</summary>
internal sealed record HostSettings
{
    public string? ConfigFile { get; init; }

    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();

    /// <summary>Kestrel URLs; <c>http://127.0.0.1:0</c> picks a free port.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5080";

    public LogEventLevel ConsoleLogLevel { get; init; } = LogEventLevel.Information;

    public HostRoles Roles { get; init; } = HostRoles.All;

    /// <summary>
    /// Whether the site configuration (<c>/etc/alertpipeline/appsettings.json</c>) applies. The demo says no: run on
    /// an installed server, it must not seed demo accounts and simulated pupils into the school's real data.
    /// </summary>
    public bool IncludeSiteConfiguration { get; init; } = true;

    /// <summary>Lets tests replace services (a fake clock, a failing sender) after the defaults are registered.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }
}

/// <summary>Builds the all-in-one host: ingest API, embedded queue, detection, alert store, notifications.</summary>
internal static partial class PipelineHost
{
    public static WebApplication Build(HostSettings settings)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        PipelineConfiguration.Apply(builder.Configuration, settings.ConfigFile, settings.Overrides, settings.IncludeSiteConfiguration);
        builder.WebHost.UseKestrelCore().UseUrls(MetricsEndpoint.Urls(builder.Configuration, settings.Urls));
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging();

        var dataDirectory = Path.GetFullPath(builder.Configuration[$"{StorageOptions.Section}:DataDirectory"] ?? new StorageOptions().DataDirectory);
        DataDirectory.Secure(dataDirectory);
        var logger = PipelineLogging.Create(dataDirectory, settings.ConsoleLogLevel, builder.Configuration);
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(logger, dispose: true); // Also the DiagnosticContext that request logging needs.

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services
            .AddOutboundHttp()
            .AddStorage(builder.Configuration)
            .AddTransport(builder.Configuration, settings.Roles)
            .AddIngest(builder.Configuration)
            .AddDetection(builder.Configuration, runWorker: settings.Roles.HasFlag(HostRoles.Detect), watchLists: settings.Roles.HasFlag(HostRoles.Respond))
            .AddAlerts()
            .AddResponder(builder.Configuration, runDispatcher: settings.Roles.HasFlag(HostRoles.Respond))
            .AddRetention(builder.Configuration)
            .AddScheduledBackup(builder.Configuration)
            .AddConsole(builder.Configuration)
            .AddMonitoringChecks()
            .AddWatchdog(builder.Configuration, settings.Roles, kafka: TransportServices.Kind(builder.Configuration) == "kafka")
            .AddProxySupport(builder.Configuration)
            .AddMetricsEndpoint(builder.Configuration);
        builder.Services.AddSingleton(sp => DataDirectoryLock.Acquire(dataDirectory, settings.Roles.HasFlag(HostRoles.Ingest),
            settings.Roles.HasFlag(HostRoles.Detect), settings.Roles.HasFlag(HostRoles.Respond),
            TransportServices.Kind(builder.Configuration) == "kafka", sp.GetRequiredService<TimeProvider>()));
        settings.ConfigureServices?.Invoke(builder.Services);

        var app = builder.Build();

        // Validate every options section now, together, before any service is constructed: a user with three
        // mistakes in appsettings.json gets three lines, not the first one wrapped in a hosting stack trace.
        app.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();
        try
        {
            OpenStores(app, settings.Roles);
        }
        catch
        {
            // Refused (a lock held, a store unusable): release what was taken, including the other role locks.
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        app.UseProxySupport();
        app.UseSerilogRequestLogging(o => PipelineLogging.Configure(o, logger));
        app.UseMetricsEndpoint();
        app.UseApiErrors();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        if (settings.Roles.HasFlag(HostRoles.Ingest))
        {
            app.UseStoreFaultGate();
            app.MapIngest();
            app.MapMonitoringCheckApi();
        }

        app.MapConsole();
        // The features' own console pages, under the console's headers and policies (mapped here, not by ConsoleUi,
        // so the console depends on none of them).
        Reports.GovernorSummary.GovernorSummaryEndpoints.MapGovernorSummary(app);
        Reports.AnnualReview.AnnualReviewEndpoints.MapAnnualReview(app);
        Checks.CheckEndpoints.MapCheckPages(app);
        Reports.Tuning.TuningEndpoints.MapTuningEvidence(app);
        app.MapWatchdog();
        app.MapGet("/health", async (HttpContext context, IServiceProvider services, PipelineMetrics metrics, SystemAlerts systemAlerts, PipelineWatchdog watchdog) =>
        {
            // Anyone (a load balancer, a monitoring probe) may learn whether the pipeline is well and which checks are
            // not; the reasons and the figures (backlog, events, alerts, system alerts) only signed-in IT, the trust
            // DSL and admins (ADR 0021): counts of a trust's alerts are not for whoever can reach the address.
            if (!await WatchdogServices.MaySeeFiguresAsync(context).ConfigureAwait(false))
            {
                return Results.Json(new
                {
                    status = WatchdogServices.Name(watchdog.Level),
                    problems = watchdog.Problems.Select(p => new { check = p.Check }),
                });
            }

            return Results.Json(new
            {
                status = WatchdogServices.Name(watchdog.Level),
                problems = watchdog.Problems.Select(p => new { check = p.Check, reason = p.Reason }),
                roles = settings.Roles.ToString(),
                transport = TransportServices.Kind(builder.Configuration),
                backlog = services.GetService<SqliteEventQueue>()?.Backlog, // Kafka's backlog is the group's lag, read with Kafka's tools.
                processed = metrics.EventsProcessed,
                alerts = metrics.AlertsStored,
                systemAlerts = systemAlerts.OpenCount(),
            });
        });
        return app;
    }

    /// <summary>
    /// Before anything runs: take this process's role locks on the data directory (a second process gets one line
    /// naming the directory and the holder), then open every store this process uses, so a store that vanished, was
    /// zeroed or is damaged stops the start with a message naming the file rather than being recreated empty.
    /// </summary>
    private static void OpenStores(WebApplication app, HostRoles roles)
    {
        var held = app.Services.GetRequiredService<DataDirectoryLock>();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AlertPipeline.Hosting.DataDirectory");
        var data = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StorageOptions>>().Value.FullDataDirectory;
        foreach (var shared in held.Shared)
        {
            LogShared(log, data, shared);
        }

        if (held.Exclusive.Count > 0)
        {
            LogExclusive(log, data, string.Join(", ", held.Exclusive), Path.Combine(data, "locks"));
        }

        _ = app.Services.GetRequiredService<SystemDatabase>();
        _ = app.Services.GetRequiredService<Audit.AuditLog>();
        // Opened now, when an unreachable PostgreSQL stops the start with one line naming it, rather than first inside a
        // scheduled job's constructor, where Quartz would mark the job's trigger failed for good.
        _ = app.Services.GetRequiredService<Ingest.ApiKeys.ApiKeyStore>();
        _ = app.Services.GetRequiredService<Users.UserStore>();
        if ((roles & (HostRoles.Detect | HostRoles.Respond)) != 0)
        {
            _ = app.Services.GetRequiredService<IAlertStore>();
            _ = app.Services.GetRequiredService<Notifications.SystemAlerts>();
            AdoptLegacyScreenshots(app, log);
        }

        _ = app.Services.GetService<SqliteEventQueue>();
    }

    /// <summary>
    /// Screenshots saved before they were kept per school, on the embedded store only: on PostgreSQL screenshots live in
    /// the database and this node has no <c>alerts.db</c> to say whose they were (reading it would create one).
    /// </summary>
    private static void AdoptLegacyScreenshots(WebApplication app, Microsoft.Extensions.Logging.ILogger log)
    {
        if (StorageServices.IsPostgres(app.Services))
        {
            return;
        }

        var alerts = app.Services.GetRequiredService<AlertStore>();
        try
        {
            var (moved, unreferenced) = app.Services.GetRequiredService<Ingest.Screenshots.ScreenshotStore>()
                .AdoptLegacyAsync(alerts.ScreenshotsShown).GetAwaiter().GetResult();
            if (moved + unreferenced > 0)
            {
                LogLegacyScreenshots(log, moved, unreferenced);
            }
        }
        catch (System.Data.Common.DbException ex)
        {
            // A damaged alerts table is the watchdog's to report (and serve's, naming the file); until then the
            // legacy files stay where no school's alert can show them.
            LogLegacyScreenshotsLeft(log, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Screenshots from before they were kept per school: {Moved} moved into the folders of the schools whose alerts show them; {Unreferenced} shown by no alert moved to screenshots/~unclaimed, shown to no school, until retention deletes them")]
    private static partial void LogLegacyScreenshots(Microsoft.Extensions.Logging.ILogger logger, int moved, int unreferenced);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Screenshots from before they were kept per school were not moved (the alert store could not be read: {Error}); no school is shown them until they are")]
    private static partial void LogLegacyScreenshotsLeft(Microsoft.Extensions.Logging.ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Data directory {Directory} is shared on purpose: {Role}")]
    private static partial void LogShared(Microsoft.Extensions.Logging.ILogger logger, string directory, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "Data directory {Directory}: this process alone runs {Roles} there (locks in {Locks})")]
    private static partial void LogExclusive(Microsoft.Extensions.Logging.ILogger logger, string directory, string roles, string locks);
}
