using Quartz;

namespace AlertPipeline.Digests;

/// <summary>
/// The Quartz job that enqueues due digests. Each school has its own times and time zone, so the job runs every
/// minute and <see cref="DigestScheduler"/> works out, from clock.GetUtcNow(), which school's digest is due.
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class DigestJob(DigestScheduler scheduler, TimeProvider clock, ILogger<DigestJob> logger) : IJob
{
    public static readonly JobKey Key = new("digests", "responder");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            scheduler.RunDue(clock.GetUtcNow());
        }
#pragma warning disable CA1031 // A failed run (a locked database) is retried by the next firing; periods are not lost.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFailed(ex);
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Digest run failed; it runs again at the next firing")]
    private partial void LogFailed(Exception exception);
}
