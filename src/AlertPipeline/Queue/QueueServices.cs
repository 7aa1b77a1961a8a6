using AlertPipeline.Storage;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Queue;

internal static class QueueServices
{
    /// <summary>The embedded durable queue as both ends of the event transport (the default; Kafka replaces both).</summary>
    public static IServiceCollection AddEmbeddedQueue(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<QueueOptions>().Bind(configuration.GetSection(QueueOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<QueueOptions>, QueueOptionsValidator>();
        services.AddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return new SqliteEventQueue(
                new SqliteDatabase(Path.Combine(storage.FullDataDirectory, "queue.db"), storage.Synchronous),
                sp.GetRequiredService<IOptions<QueueOptions>>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<SqliteEventQueue>>());
        });
        services.AddSingleton<IEventPublisher>(sp => sp.GetRequiredService<SqliteEventQueue>());
        services.AddSingleton<IEventConsumer>(sp => sp.GetRequiredService<SqliteEventQueue>());
        services.AddHostedService<QueueRetentionService>();
        return services;
    }
}

/// <summary>
/// Hourly: deletes processed events older than the retention window. A prune that fails (the file busy past its
/// timeout, a full disk) is logged and tried again next hour: an exception out of this loop would stop the host, and
/// detection with it, over housekeeping.
/// </summary>
internal sealed partial class QueueRetentionService(SqliteEventQueue queue, TimeProvider clock, ILogger<QueueRetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), clock);
        do
        {
            try
            {
                queue.Prune();
            }
            catch (System.Data.Common.DbException ex)
            {
                LogPruneFailed(ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue retention: processed events were not pruned this hour, tried again next hour: {Problem}")]
    private partial void LogPruneFailed(string problem);
}
