using Microsoft.Extensions.DependencyInjection.Extensions;
using AlertPipeline.Digests;
using AlertPipeline.Escalation;
using AlertPipeline.Hosting;
using AlertPipeline.Reports;
using AlertPipeline.Retention;
using AlertPipeline.Schools;
using AlertPipeline.Triage;
using Microsoft.Extensions.Options;
using Quartz;

namespace AlertPipeline.Notifications;

internal static class NotificationServices
{
    /// <summary>
    /// The responder: routing, the outbox and its channels, triage, and — when this process runs the respond role —
    /// the dispatcher and the Quartz escalation and digest jobs.
    /// </summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration, bool runDispatcher)
    {
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>();
        services.AddOptions<TrustOptions>().Bind(configuration.GetSection(TrustOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TrustOptions>, TrustOptionsValidator>();
        services.AddSingleton<SchoolDirectory>();
        services.AddSingleton<NotificationPlanner>();
        services.AddSingleton<NotificationSignal>();
        services.AddSingleton<NotificationOutbox>();
        services.AddSingleton<PostgresNotificationOutbox>();
        services.AddSingleton<INotificationOutbox>(sp => sp.GetRequiredService<IOptions<Storage.StorageOptions>>().Value.IsPostgres
            ? sp.GetRequiredService<PostgresNotificationOutbox>()
            : sp.GetRequiredService<NotificationOutbox>());
        services.AddSingleton<NotificationComposer>();
        services.AddSingleton<SystemAlerts>();
        services.AddSingleton<ChannelHealth>();
        services.AddSingleton<DigestReports>();
        services.AddSingleton<DigestScheduler>();
        services.AddSingleton<EscalationRunner>();
        services.AddGovernorSummaries(configuration);
        Checks.CheckServices.AddCheckLog(services, configuration);
        services.TryAddSingleton<IAlertTriage, SqliteAlertTriage>();
        services.AddHttpClient<WebhookSender>();
        services.AddSingleton<OutboxFolderEmailSender>();
        services.AddSingleton<IEmailSender>(sp =>
            sp.GetRequiredService<IOptions<NotificationOptions>>().Value.Smtp.Host.Length > 0
                ? ActivatorUtilities.CreateInstance<SmtpEmailSender>(sp)
                : sp.GetRequiredService<OutboxFolderEmailSender>());
        if (runDispatcher)
        {
            services.AddHostedService<NotificationDispatcher>();
            services.AddResponderJobs(configuration);
        }

        return services;
    }

    /// <summary>
    /// Quartz, in memory: the jobs' triggers are fixed repeating checks, and everything they act on (open alerts,
    /// digest periods) is in alerts.db, so there is nothing to persist in a Quartz store. Quartz runs on the
    /// container's TimeProvider.
    /// </summary>
    private static void AddResponderJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var options = new NotificationOptions();
        configuration.GetSection(NotificationOptions.Section).Bind(options);
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
