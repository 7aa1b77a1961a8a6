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

/// <summary>Hourly: deletes processed events older than the retention window.</summary>
internal sealed class QueueRetentionService(SqliteEventQueue queue, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), clock);
        do
        {
            queue.Prune();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
