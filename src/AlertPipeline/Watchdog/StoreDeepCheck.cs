using AlertPipeline.Storage;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Watchdog;

/// <summary>
/// After start, the full <c>quick_check</c> of the stores too large to check before it (<see cref="StoreFiles"/>).
/// Damage found is a <see cref="StoreFaults"/> entry: the watchdog's <c>stores</c> check turns unhealthy, IT is emailed
/// and ingest answers 503, as for damage detection meets while running.
/// </summary>
internal sealed partial class StoreDeepCheck(StoreFaults faults, IOptions<StorageOptions> storage, ILogger<StoreDeepCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var path in StoreFiles.TakeDeferred(storage.Value.FullDataDirectory))
        {
            var problem = await Task.Run(() => StoreFiles.DeepCheck(path), stoppingToken).ConfigureAwait(false);
            if (problem is null)
            {
                LogSound(path);
            }
            else
            {
                LogDamaged(path, problem);
                faults.Damaged(Path.GetFileName(path), $"quick_check after start: {problem}; restore it from backup");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {Path} passed its quick_check after start")]
    private partial void LogSound(string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Store {Path} is damaged: {Problem}")]
    private partial void LogDamaged(string path, string problem);
}
