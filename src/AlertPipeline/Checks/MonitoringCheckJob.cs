using AlertPipeline.Hosting;
using Microsoft.Extensions.Options;
using Quartz;

namespace AlertPipeline.Checks;

/// <summary>
/// The scheduled end-to-end check: on each firing, every school whose <c>Every</c> has passed since its last
/// automatic check (from any trigger) is checked by <see cref="MonitoringCheckRunner"/>, the same code the command and
/// the console run. The schedule's state is the log of checks itself, so nothing is lost or doubled by a restart.
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class MonitoringCheckJob(
    MonitoringCheckRunner runner, CheckLog log, IOptionsMonitor<MonitoringCheckOptions> options, TimeProvider clock, ILogger<MonitoringCheckJob> logger) : IJob
{
    public static readonly JobKey Key = new("monitoring-check", "checks");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        foreach (var (school, settings) in options.CurrentValue.Schools.Where(s => s.Value.Every > TimeSpan.Zero).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (log.LastAutomatic(school) is { } last && clock.GetUtcNow() - last < settings.Every)
            {
                continue;
            }

            try
            {
                await runner.RunAsync(school, "schedule", null, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return; // Stopping: nothing was recorded, so the check is due again at the next start.
            }
#pragma warning disable CA1031 // One school's check must not stop the others'; the next firing tries again.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogFailed(ex, school);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The scheduled monitoring check of {School} could not run; it is tried again at the next firing")]
    private partial void LogFailed(Exception exception, string school);
}

internal static class CheckServices
{
    /// <summary>The log of checks and the test-pupil rule that detection applies: for the host and the offline commands.</summary>
    public static IServiceCollection AddCheckLog(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MonitoringCheckOptions>().Bind(configuration.GetSection(MonitoringCheckOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MonitoringCheckOptions>, MonitoringCheckOptionsValidator>();
        services.AddSingleton<TestPupils>();
        services.AddSingleton<Detection.ITestPupils>(sp => sp.GetRequiredService<TestPupils>());
        services.AddSingleton<CheckLog>();
        return services;
    }

    /// <summary>The check itself, which needs the host's detector, ingest keys and HTTP: the host only.</summary>
    public static IServiceCollection AddMonitoringChecks(this IServiceCollection services)
    {
        services.AddHttpClient(nameof(MonitoringCheckRunner));
        services.AddSingleton<MonitoringCheckRunner>();
        return services;
    }

    public static void ScheduleMonitoringChecks(this IQuartzBuilder quartz, IConfiguration configuration)
    {
        var options = new MonitoringCheckOptions();
        configuration.GetSection(MonitoringCheckOptions.Section).Bind(options);
        // Bound before validation runs, as DueWorkScheduling does: a bad interval reaches the validator's message.
        var every = options.CheckInterval < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : options.CheckInterval;
        quartz.ScheduleJob<MonitoringCheckJob>(
            t => t.WithIdentity("monitoring-check-trigger", MonitoringCheckJob.Key.Group).StartNow().WithSimpleSchedule(s => s.WithInterval(every).RepeatForever()),
            j => j.WithIdentity(MonitoringCheckJob.Key));
    }
}
