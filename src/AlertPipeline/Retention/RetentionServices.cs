using Microsoft.Extensions.Options;
using Quartz;

namespace AlertPipeline.Retention;

internal static class RetentionServices
{
    public static IServiceCollection AddRetention(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
        services.AddSingleton<RetentionRunner>();
        return services;
    }

    /// <summary>The retention check, on the respond role's Quartz scheduler (see <c>NotificationServices</c>).</summary>
    public static void ScheduleRetention(this IQuartzBuilder quartz, IConfiguration configuration)
    {
        var options = new RetentionOptions();
        configuration.GetSection(RetentionOptions.Section).Bind(options);

        // Bound before validation runs: a bad interval must reach the validator's clear message, not throw in Quartz.
        var interval = options.CheckInterval < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : options.CheckInterval;
        quartz.ScheduleJob<Hosting.DueWorkJob<RetentionRunner>>(
            t => t.WithIdentity("retention-check", "data-protection").StartNow()
                .WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever()),
            j => j.WithIdentity(RetentionRunner.JobKey));
    }
}
