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
/// <para>
/// Every respond process schedules the job; on a shared PostgreSQL they would all do the same work at once. So each
/// firing first claims its due time, the clock's now rounded down to the trigger's interval, from
/// <see cref="IJobLeases"/>: of the responders firing within one interval exactly one runs (ADR 0023). The work is a
/// function of the durable state, so a run a dead winner did not finish is done by the next interval's winner.
/// </para>
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class DueWorkJob<TWork>(TWork work, IJobLeases leases, TimeProvider clock, ILogger<DueWorkJob<TWork>> logger) : IJob
    where TWork : IDueWork
{
    public const string IntervalKey = "interval-ms";

    /// <summary>How long a winner holds its run before another responder may take it over (it died mid-run).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        // The interval is the job's (its data map), not the firing trigger's: a firing by hand (tests, an operator)
        // falls in the same due interval as the scheduled one it stands for.
        var interval = TimeSpan.FromMilliseconds(context.JobDetail.JobDataMap.TryGetLong(IntervalKey, out var ms) && ms > 0 ? ms : 60_000);
        var due = DueAt(now, interval);
        try
        {
            if (!leases.TryClaim(TWork.JobKey.Name, due, now, now + Lease))
            {
                LogNotMine(TWork.JobKey.Name, due);
                return ValueTask.CompletedTask;
            }

            work.RunDue(now);
            leases.Complete(TWork.JobKey.Name, due);
        }
#pragma warning disable CA1031 // Retried by the next firing; see the summary.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFailed(ex, TWork.JobKey.Name);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary><paramref name="now"/> rounded down to a whole <paramref name="interval"/> since the Unix epoch: the same for every responder firing within it.</summary>
    public static DateTimeOffset DueAt(DateTimeOffset now, TimeSpan interval)
    {
        var ms = (long)interval.TotalMilliseconds;
        var at = now.ToUnixTimeMilliseconds();
        return DateTimeOffset.FromUnixTimeMilliseconds(at - (((at % ms) + ms) % ms));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Work} run failed; it runs again at the next firing")]
    private partial void LogFailed(Exception exception, string work);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The {Work} run due at {Due} is another responder's")]
    private partial void LogNotMine(string work, DateTimeOffset due);
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
            j => j.WithIdentity(TWork.JobKey).UsingJobData(DueWorkJob<TWork>.IntervalKey, (long)every.TotalMilliseconds));
    }
}
