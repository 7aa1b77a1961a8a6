using AlertPipeline.Schools;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Notifications;

internal static class NotificationServices
{
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration, bool runDispatcher)
    {
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>();
        services.AddOptions<TrustOptions>().Bind(configuration.GetSection(TrustOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TrustOptions>, TrustOptionsValidator>();
        services.AddSingleton<NotificationPlanner>();
        services.AddSingleton<NotificationSignal>();
        services.AddSingleton<NotificationOutbox>();
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
