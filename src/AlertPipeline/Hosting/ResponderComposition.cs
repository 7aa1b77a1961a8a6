using AlertPipeline.Digests;
using AlertPipeline.Escalation;
using AlertPipeline.Notifications;
using AlertPipeline.Reports;
using AlertPipeline.Retention;
using AlertPipeline.Schools;
using AlertPipeline.Triage;
using Quartz;

namespace AlertPipeline.Hosting;

/// <summary>
/// The responder, composed from its features: routing (Schools), the outbox and channels (Notifications), triage,
/// escalation, digests, governor summaries and the log of checks; and, when this process runs the respond role, the
/// dispatcher and the scheduled jobs. Composition lives here so that no feature registers another's services.
/// </summary>
internal static class ResponderComposition
{
    public static IServiceCollection AddResponder(this IServiceCollection services, IConfiguration configuration, bool runDispatcher)
    {
        services.AddSchools(configuration)
            .AddNotifications(configuration, runDispatcher)
            .AddTriage()
            .AddEscalation()
            .AddDigests()
            .AddGovernorSummaries(configuration);
        Checks.CheckServices.AddCheckLog(services, configuration);
        if (runDispatcher)
        {
            services.AddResponderJobs(configuration);
        }

        return services;
    }

    /// <summary>
    /// Quartz, in memory: the jobs' triggers are fixed repeating checks, and everything they act on (open alerts,
    /// digest periods) is in the alert store, so there is nothing to persist in a Quartz store. Quartz runs on the
    /// container's TimeProvider. Several responders on one PostgreSQL each fire; job leases pick one (ADR 0023).
    /// </summary>
    private static void AddResponderJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new NotificationOptions();
        configuration.GetSection(NotificationOptions.Section).Bind(options);
        // Every responder fires the jobs; on a shared PostgreSQL one per due time does the work (ADR 0023).
        services.AddSingleton<Kernel.IJobLeases>(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Storage.StorageOptions>>().Value.IsPostgres
            ? ActivatorUtilities.CreateInstance<Storage.Postgres.PostgresJobLeases>(sp)
            : new Kernel.SingleResponderJobLeases());
        services.AddQuartz(q =>
        {
            q.UseInMemoryStore();
            q.ScheduleDueWork<EscalationRunner>("escalation-check", options.EscalationCheckInterval);
            q.ScheduleDueWork<DigestScheduler>("digest-check", options.DigestCheckInterval);
            q.ScheduleRetention(configuration);
            Backup.BackupServices.ScheduleBackup(q, configuration);
            q.ScheduleGovernorSummaries(configuration);
            Checks.CheckServices.ScheduleMonitoringChecks(q, configuration);
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
    }
}
