using System.Data.Common;
using AlertPipeline.Alerts;
using AlertPipeline.Notifications;
using AlertPipeline.Schools;
using AlertPipeline.Storage;

namespace AlertPipeline.Digests;

/// <summary>
/// Puts due digests in the outbox: each school's daily digest at its <c>Digest:DailyAt</c> on school days (only
/// when there is something in it), its weekly summary at <c>WeeklyDay</c>/<c>WeeklyAt</c> to the DSL and the
/// headteacher, and a trust-wide weekly summary (Monday 09:00 UK time) to the trust DSL. Everything is a function of
/// the instant passed in, and each period is recorded in <c>digest_runs</c> in the same transaction as its outbox
/// rows, so a run repeated, or resumed after a restart, adds nothing; a period missed while the host was down is
/// covered by the next one (periods run from the previous period's end).
/// </summary>
internal sealed class DigestScheduler(IAlertStore store, SchoolDirectory schools, DigestReports reports, NotificationSignal signal) : IDueWork
{
    public static Quartz.JobKey JobKey { get; } = new("digests", "responder");

    private static readonly TimeOnly TrustWeeklyAt = new(9, 0);

    private long _lastRunAt = long.MinValue;

    /// <summary>The instant the last completed run looked at: for /health and tests.</summary>
    public DateTimeOffset? LastRunAt => Interlocked.Read(ref _lastRunAt) is var at && at != long.MinValue ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null;

    /// <summary>Enqueues the digests due at <paramref name="now"/>. Returns how many outbox rows were added.</summary>
    public int RunDue(DateTimeOffset now)
    {
        var added = 0;
        foreach (var school in schools.Configured)
        {
            var hours = school.Hours;
            added += Run(school.SchoolId, NotificationKinds.DailyDigest, now,
                at => hours.LatestAtOrBefore(at, school.DailyDigestAt, hours.IsSchoolDay),
                period => reports.DailyAlerts(period).Count > 0 ? school.Dsl.Targets : []);
            added += Run(school.SchoolId, NotificationKinds.WeeklySummary, now,
                at => hours.LatestAtOrBefore(at, school.WeeklyAt, d => d == school.WeeklyDay),
                _ => school.Dsl.Targets.Concat(school.Headteacher?.Targets ?? []).Distinct().ToList());
        }

        var uk = schools.For(DigestPeriod.WholeTrust).Hours;
        added += Run(DigestPeriod.WholeTrust, NotificationKinds.WeeklySummary, now,
            at => uk.LatestAtOrBefore(at, TrustWeeklyAt, d => d == DayOfWeek.Monday),
            _ => schools.TrustDsl.Targets);
        if (added > 0)
        {
            signal.Notify();
        }

        Interlocked.Exchange(ref _lastRunAt, now.ToUnixTimeMilliseconds());
        return added;
    }

    private int Run(string schoolId, string kind, DateTimeOffset now, Func<DateTimeOffset, DateTimeOffset> latestSlot, Func<DigestPeriod, IEnumerable<Target>> recipients)
    {
        var slot = latestSlot(now);
        using var connection = store.Open();
        // A write transaction (SQLite's write lock). On PostgreSQL two responders are kept apart by the job's lease
        // (ADR 0023); were they not, both would read the same last period and write the same rows, whose ids derive
        // from the period and recipient, so ON CONFLICT DO NOTHING would still add each digest once.
        using var transaction = connection.BeginWrite();
        var lastEnd = LastPeriodEnd(connection, transaction, schoolId, kind);
        if (lastEnd is { } last && last >= slot)
        {
            return 0; // Already done.
        }

        var added = 0;
        // The first run for a school only records where periods start: a new installation (or a newly added school)
        // sends its first digest at the next slot, not a late one for a period it was not watching.
        if (lastEnd is { } from)
        {
            var period = new DigestPeriod(schoolId, from, slot);
            foreach (var target in recipients(period))
            {
                var row = OutboxNotification.For(period.Subject, target, kind, subject: period.Subject);
                added += NotificationOutbox.Insert(connection, transaction, null, row, now) ? 1 : 0;
            }
        }

        connection.Command("INSERT INTO digest_runs(school_id, kind, period_end) VALUES (@school, @kind, @end) ON CONFLICT DO NOTHING", transaction)
            .With("@school", schoolId).With("@kind", kind).With("@end", slot.ToUnixTimeMilliseconds()).Run();
        transaction.Commit();
        return added;
    }

    private static DateTimeOffset? LastPeriodEnd(DbConnection connection, DbTransaction transaction, string schoolId, string kind) =>
        connection.Command("SELECT MAX(period_end) FROM digest_runs WHERE school_id = @school AND kind = @kind", transaction)
            .With("@school", schoolId).With("@kind", kind).Rows(r => r.NullableLong(0)).Single() is { } end
            ? DateTimeOffset.FromUnixTimeMilliseconds(end)
            : null;
}
