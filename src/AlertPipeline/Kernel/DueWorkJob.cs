using Quartz;

namespace AlertPipeline.Kernel;

/// <summary>
/// Work whose schedule lives in alerts.db rather than in Quartz: each firing asks "what is due at this instant?".
/// Nothing is rebuilt after a restart, and tests run it by moving a fake clock.
/// </summary>
internal interface IDueWork
{
    /// <summary>The Quartz job key of this work (tests trigger the job by it).</summary>
    static abstract JobKey JobKey { get; }

    /// <summary>Does what is due at <paramref name="now"/>; returns how much was done.</summary>
    int RunDue(DateTimeOffset now);
}

/// <summary>
/// The Quartz job for one kind of <see cref="IDueWork"/>, on a short repeating trigger, at the injected clock's
/// now. A failed run (a locked database) is logged and retried by the next firing: the state is durable, so no
/// escalation step or digest period is lost.
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class DueWorkJob<TWork>(TWork work, TimeProvider clock, ILogger<DueWorkJob<TWork>> logger) : IJob
    where TWork : IDueWork
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            work.RunDue(clock.GetUtcNow());
        }
#pragma warning disable CA1031 // Retried by the next firing; see the summary.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFailed(ex, TWork.JobKey.Name);
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Work} run failed; it runs again at the next firing")]
    private partial void LogFailed(Exception exception, string work);
}

internal static class DueWorkScheduling
{
    /// <summary>
    /// Schedules <typeparamref name="TWork"/>'s job under its <see cref="IDueWork.JobKey"/> on a trigger that fires now
    /// and then every <paramref name="interval"/>, for ever.
    /// </summary>
    public static void ScheduleDueWork<TWork>(this IQuartzBuilder quartz, string trigger, TimeSpan interval)
        where TWork : IDueWork
    {
        // Bound before validation runs: a bad interval must reach the validator's clear message, not throw in Quartz.
        var every = interval < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : interval;
        quartz.ScheduleJob<DueWorkJob<TWork>>(
            t => t.WithIdentity(trigger, TWork.JobKey.Group).StartNow().WithSimpleSchedule(s => s.WithInterval(every).RepeatForever()),
            j => j.WithIdentity(TWork.JobKey));
    }
}
