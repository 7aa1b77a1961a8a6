using AlertPipeline.Alerts;
using AlertPipeline.Storage;
using AlertPipeline.Notifications;
using AlertPipeline.Schools;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Reports.GovernorSummary;

/// <summary>
/// Puts due governor summaries in the outbox: for each school (or the trust) with a schedule, the latest period that
/// has ended (last month, or the last term to end) once its <c>SendAt</c> time has passed the next day, one email per
/// recipient. Each period is recorded in <c>digest_runs</c> in the same transaction as its outbox rows, so a repeated
/// run or a restart adds nothing. The PDF is rendered when the email is sent (<see cref="GovernorSummaryMail"/>), from
/// the store as it is then, so a row retried after an outage still carries a whole, current report.
/// </summary>
internal sealed class GovernorSummaryScheduler(
    IAlertStore store, GovernorReportBuilder reports, IOptionsMonitor<GovernorSummaryOptions> options, NotificationSignal signal) : IDueWork
{
    public const string Kind = "governor-summary";

    public static Quartz.JobKey JobKey { get; } = new("governor-summaries", "responder");

    private long _lastRunAt = long.MinValue;

    /// <summary>The instant the last completed run looked at: for tests.</summary>
    public DateTimeOffset? LastRunAt => Interlocked.Read(ref _lastRunAt) is var at && at != long.MinValue ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null;

    public int RunDue(DateTimeOffset now)
    {
        var o = options.CurrentValue;
        var sendAt = Schools.SchoolHours.ParseTime(o.SendAt) ?? new TimeOnly(7, 0);
        var added = 0;
        foreach (var (scope, schedule) in o.Schools)
        {
            if (DuePeriod(scope, schedule, now, sendAt) is { } period)
            {
                added += Enqueue(period, schedule.Recipients.Select(r => new Target(r.Email.Trim(), NotificationChannels.Email)), now);
            }
        }

        if (added > 0)
        {
            signal.Notify();
        }

        Interlocked.Exchange(ref _lastRunAt, now.ToUnixTimeMilliseconds());
        return added;
    }

    /// <summary>The latest period of this schedule that ended before today (local) and whose send time has come.</summary>
    internal ReportPeriod? DuePeriod(string scope, GovernorSummaryScheduleOptions schedule, DateTimeOffset now, TimeOnly sendAt)
    {
        var local = TimeZoneInfo.ConvertTime(now, reports.ZoneOf(scope));
        var today = DateOnly.FromDateTime(local.DateTime);
        // Before the send time, "yesterday" has not yet become sendable: act as if it were still the day before.
        var lastSendable = TimeOnly.FromDateTime(local.DateTime) >= sendAt ? today.AddDays(-1) : today.AddDays(-2);
        switch (schedule.Frequency)
        {
            case "monthly":
                var monthEnd = new DateOnly(lastSendable.Year, lastSendable.Month, 1).AddMonths(1).AddDays(-1) == lastSendable
                    ? lastSendable
                    : new DateOnly(lastSendable.Year, lastSendable.Month, 1).AddDays(-1);
                return new ReportPeriod(scope, new DateOnly(monthEnd.Year, monthEnd.Month, 1), monthEnd);
            case "termly":
                return schedule.Terms
                    .Select(t => (Start: GovernorSummaryOptions.ParseDate(t.Start), End: GovernorSummaryOptions.ParseDate(t.End)))
                    .Where(t => t.Start is not null && t.End is not null && t.End <= lastSendable)
                    .OrderByDescending(t => t.End)
                    .Select(t => new ReportPeriod(scope, t.Start!.Value, t.End!.Value))
                    .FirstOrDefault();
            default:
                return null;
        }
    }

    /// <summary>Adds one email per recipient for <paramref name="period"/> unless that period was sent before. Returns the rows added.</summary>
    public int Enqueue(ReportPeriod period, IEnumerable<Target> recipients, DateTimeOffset now)
    {
        var (_, end) = reports.Instants(period);
        using var connection = store.Open();
        using var transaction = connection.BeginTransaction();
        if (connection.Command("INSERT INTO digest_runs(school_id, kind, period_end) VALUES (@school, @kind, @end) ON CONFLICT DO NOTHING", transaction)
                .With("@school", period.SchoolId).With("@kind", Kind).With("@end", end.ToUnixTimeMilliseconds()).Run() == 0)
        {
            return 0; // Already done (by this responder, or by another on the same PostgreSQL).
        }

        var added = 0;
        foreach (var target in recipients.Distinct())
        {
            added += NotificationOutbox.Insert(connection, transaction, null, OutboxNotification.For(period.Subject, target, Kind, subject: period.Subject), now) ? 1 : 0;
        }

        transaction.Commit();
        return added;
    }
}
