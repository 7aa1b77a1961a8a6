using Microsoft.Extensions.Options;
using AlertPipeline.Hosting;
using Quartz;

namespace AlertPipeline.Retention;

internal static class RetentionServices
{
    public static IServiceCollection AddRetention(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
        services.AddSingleton<OutboxRetention>();
        services.AddSingleton<RetentionRunner>();
        return services;
    }

    /// <summary>The retention check, on the respond role's Quartz scheduler (see <c>NotificationServices</c>).</summary>
    public static void ScheduleRetention(this IQuartzBuilder quartz, IConfiguration configuration)
    {
        var options = new RetentionOptions();
        configuration.GetSection(RetentionOptions.Section).Bind(options);
        quartz.ScheduleDueWork<RetentionRunner>("retention-check", options.CheckInterval);
    }
}
