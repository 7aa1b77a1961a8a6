using System.CommandLine;
using AlertPipeline.Alerts;
using AlertPipeline.Audit;
using AlertPipeline.Cli;
using AlertPipeline.Devices;
using AlertPipeline.ConsoleUi.Lists;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Hosting;
using AlertPipeline.Queue;
using AlertPipeline.Users;

namespace AlertPipeline.Installation;

/// <summary>
/// <c>alertpipeline migrate</c>: validates the configuration the way the host would on start and brings every
/// store in the data directory up to this version's schema, then exits. The installer runs it with the new
/// version before switching to it, so a configuration the new version refuses, or a store it cannot open, stops
/// the upgrade while the old version is still installed rather than leaving a service that will not start.
/// </summary>
internal static class MigrateCommand
{
    // Each store creates and upgrades its own tables when it is constructed (numbered migrations, or for the rest
    // CREATE TABLE IF NOT EXISTS plus SqliteDatabase.EnsureColumn), so resolving each owner is the migration.
    private static readonly Type[] Stores =
    [
        typeof(AlertStore), typeof(UserStore), typeof(AuditLog), typeof(KeywordVersionStore), typeof(KeywordSnapshots),
        typeof(DeviceActivity), typeof(Ingest.ApiKeys.ApiKeyStore), typeof(SqliteEventQueue),
        typeof(Checks.CheckLog), typeof(Reports.AnnualReview.RiskProfileStore), typeof(Ingest.Screenshots.ScreenshotStore),
    ];

    public static Command Create() => CliCommand.Leaf("migrate",
        "validate the configuration and bring every store to this version's schema (the installer runs it)",
        [CliOption.DataDir, CliOption.Config], (args, io) => RunAsync(args, io.Output));

    private static async Task<int> RunAsync(CliArgs args, TextWriter output)
    {
        args.NoPositionals();
        var app = PipelineHost.Build(new HostSettings
        {
            ConfigFile = args.Get("config"),
            Overrides = args.CommonOverrides(),
            ConsoleLogLevel = Serilog.Events.LogEventLevel.Warning,
        });
        await using (app.ConfigureAwait(false))
        {
            // The alert store (alerts, history, outbox) has numbered migrations (ADR 0022); on PostgreSQL it is the
            // shared one, so an unreachable server stops here, before anything is reported as done.
            var alerts = app.Services.GetRequiredService<IAlertStore>();
            var opened = 0;
            foreach (var store in Stores)
            {
                // The queue is registered only for the embedded transport; with Kafka it has no store here.
                if (app.Services.GetService(store) is not null)
                {
                    opened++;
                }
            }

            await output.WriteLineAsync($"alertpipeline {AppVersion.Current}: configuration valid; {opened} stores in {Storage.StorageServices.DataDirectory(app.Services)} are at this version's schema.").ConfigureAwait(false);
            await output.WriteLineAsync($"alert store: schema version {alerts.SchemaVersion} ({alerts.Describe}).").ConfigureAwait(false);
            // The people and evidence stores (ADR 0024): in system.db/audit.db, or the shared PostgreSQL.
            var keys = app.Services.GetRequiredService<Ingest.ApiKeys.ApiKeyStore>();
            var users = app.Services.GetRequiredService<UserStore>();
            var audit = app.Services.GetRequiredService<AuditLog>();
            await output.WriteLineAsync($"api keys: schema version {keys.SchemaVersion}; users: {users.SchemaVersion}; audit: {audit.SchemaVersion}; screenshots: {app.Services.GetRequiredService<Ingest.Screenshots.ScreenshotStore>().Describe}.").ConfigureAwait(false);
            // The log of checks and the risk profiles (ADR 0027): checks.db/review.db, or the shared PostgreSQL.
            var checks = app.Services.GetRequiredService<Checks.CheckLog>();
            var profiles = app.Services.GetRequiredService<Reports.AnnualReview.RiskProfileStore>();
            await output.WriteLineAsync($"log of checks: schema version {checks.SchemaVersion} ({checks.Describe}); risk profiles: {profiles.SchemaVersion} ({profiles.Describe}).").ConfigureAwait(false);
            if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Storage.StorageOptions>>().Value.IsPostgres)
            {
                // The cluster's job leases (ADR 0023) live only on PostgreSQL.
                var leases = ActivatorUtilities.CreateInstance<Storage.Postgres.PostgresJobLeases>(app.Services);
                await output.WriteLineAsync($"job leases: schema version {leases.SchemaVersion} ({alerts.Describe}).").ConfigureAwait(false);
            }
        }

        return 0;
    }
}
