using Quartz;

namespace AlertPipeline.Escalation;

/// <summary>
/// The Quartz job that checks for due escalations, on a short repeating trigger. The job asks "what is due at
/// clock.GetUtcNow()?" instead of one Quartz trigger per alert: the schedule then lives in alerts.db (nothing to
/// rebuild after a restart) and tests run the chain by moving a fake clock.
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class EscalationJob(EscalationRunner runner, TimeProvider clock, ILogger<EscalationJob> logger) : IJob
{
    public static readonly JobKey Key = new("escalation", "responder");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            runner.RunDue(clock.GetUtcNow());
        }
#pragma warning disable CA1031 // A failed check (a locked database) is retried by the next firing; the state is durable.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFailed(ex);
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Escalation check failed; it runs again at the next firing")]
    private partial void LogFailed(Exception exception);
}
