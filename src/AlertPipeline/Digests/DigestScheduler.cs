using AlertPipeline.Alerts;
using AlertPipeline.Notifications;
using AlertPipeline.Schools;
using Microsoft.Data.Sqlite;

namespace AlertPipeline.Digests;

/// <summary>
/// Puts due digests in the outbox: each school's daily digest at its <c>Digest:DailyAt</c> on school days (only
/// when there is something in it), its weekly summary at <c>WeeklyDay</c>/<c>WeeklyAt</c> to the DSL and the
/// headteacher, and a trust-wide weekly summary (Monday 09:00 UK time) to the trust DSL. Everything is a function of
/// the instant passed in, and each period is recorded in <c>digest_runs</c> in the same transaction as its outbox
/// rows, so a run repeated, or resumed after a restart, adds nothing; a period missed while the host was down is
/// covered by the next one (periods run from the previous period's end).
/// </summary>
internal sealed class DigestScheduler(AlertStore store, SchoolDirectory schools, DigestReports reports, NotificationSignal signal) : IDueWork
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
        using var connection = store.Database.Open();
        using var transaction = connection.BeginTransaction();
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

        using var record = connection.CreateCommand();
        record.Transaction = transaction;
        record.CommandText = "INSERT INTO digest_runs(school_id, kind, period_end) VALUES ($school, $kind, $end) ON CONFLICT DO NOTHING";
        record.Parameters.AddWithValue("$school", schoolId);
        record.Parameters.AddWithValue("$kind", kind);
        record.Parameters.AddWithValue("$end", slot.ToUnixTimeMilliseconds());
        record.ExecuteNonQuery();
        transaction.Commit();
        return added;
    }

    private static DateTimeOffset? LastPeriodEnd(SqliteConnection connection, SqliteTransaction transaction, string schoolId, string kind)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT MAX(period_end) FROM digest_runs WHERE school_id = $school AND kind = $kind";
        command.Parameters.AddWithValue("$school", schoolId);
        command.Parameters.AddWithValue("$kind", kind);
        return command.ExecuteScalar() is long end ? DateTimeOffset.FromUnixTimeMilliseconds(end) : null;
    }
}
