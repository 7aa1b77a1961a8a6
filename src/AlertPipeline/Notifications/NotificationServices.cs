using AlertPipeline.Schools;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Notifications;

internal static class NotificationServices
{
    /// <summary>
    /// The outbox and its channels, and — when this process runs the respond role — the dispatcher that sends.
    /// Routing (Schools), escalation, digests, triage and the scheduled jobs are registered by their own features;
    /// the host composes them (Hosting.ResponderComposition).
    /// </summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration, bool runDispatcher)
    {
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>();
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
        services.AddHttpClient<WebhookSender>();
        services.AddHttpClient(SmtpTokenSource.HttpClientName);
        services.AddSingleton<SmtpTokenSource>();
        services.AddSingleton<OutboxFolderEmailSender>();
        services.AddSingleton<IEmailSender>(sp =>
            sp.GetRequiredService<IOptions<NotificationOptions>>().Value.Smtp.Host.Length > 0
                ? ActivatorUtilities.CreateInstance<SmtpEmailSender>(sp)
                : sp.GetRequiredService<OutboxFolderEmailSender>());
        if (runDispatcher)
        {
            services.AddHostedService<NotificationDispatcher>();
        }

        return services;
    }
}
