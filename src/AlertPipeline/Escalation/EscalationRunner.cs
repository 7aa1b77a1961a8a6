using System.Globalization;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Notifications;
using AlertPipeline.Schools;
using AlertPipeline.Storage;

namespace AlertPipeline.Escalation;

/// <summary>
/// Escalates urgent and critical alerts nobody has acknowledged. Step <c>n</c> of a school's chain (deputies, then
/// headteacher, then trust DSL) is due at <c>start + n × deadline</c>, where the deadline is the school's
/// <c>Escalation:Critical</c> or <c>Escalation:Urgent</c> and <c>start</c> is when the DSL was told (an alert held
/// for school hours starts its clock at opening). All state is in the alert store (the alert's status and its
/// <c>escalated</c> history entries), so nothing is lost across a restart: the pending escalations are simply the
/// open alerts, read again at the next check. A function of the instant passed in: tests drive it with a fake clock.
/// </summary>
internal sealed partial class EscalationRunner(IAlertStore store, SchoolDirectory schools, NotificationSignal signal, ILogger<EscalationRunner> logger) : IDueWork
{
    public static Quartz.JobKey JobKey { get; } = new("escalation", "responder");

    public const string Escalated = "escalated";

    private long _checks;
    private long _lastCheckedAt = long.MinValue;

    /// <summary>How many checks have completed, and the instant the last one checked at: for /health and tests.</summary>
    public long Checks => Interlocked.Read(ref _checks);

    public DateTimeOffset? LastCheckedAt => Interlocked.Read(ref _lastCheckedAt) is var at && at != long.MinValue ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null;

    /// <summary>Records and enqueues every escalation step due at <paramref name="now"/>. Returns the steps taken.</summary>
    public int RunDue(DateTimeOffset now)
    {
        var taken = 0;
        foreach (var (alertId, schoolId, severity, createdAt) in OpenEscalable())
        {
            var school = schools.For(schoolId);
            if (school.EscalationDeadline(severity) is not { } deadline)
            {
                continue;
            }

            var chain = school.EscalationChain(schools.TrustDsl);
            var start = school.SendAt(severity, createdAt);
            taken += Escalate(alertId, severity, school, chain, start, deadline, now);
        }

        if (taken > 0)
        {
            signal.Notify();
        }

        Interlocked.Exchange(ref _lastCheckedAt, now.ToUnixTimeMilliseconds());
        Interlocked.Increment(ref _checks);
        return taken;
    }

    private int Escalate(string alertId, Severity severity, SchoolPolicy school, IReadOnlyList<IReadOnlyList<Contact>> chain, DateTimeOffset start, TimeSpan deadline, DateTimeOffset now)
    {
        using var connection = store.Open();
        // A write transaction that locks the alert (BEGIN IMMEDIATE on SQLite, FOR UPDATE on PostgreSQL):
        // acknowledgement and escalation of one alert never interleave, nor do two responders' escalation runs.
        using var transaction = connection.BeginWrite();
        var row = connection.Command(
                "SELECT status, (SELECT COUNT(*) FROM alert_history WHERE alert_id = @id AND action = 'escalated') FROM alerts WHERE alert_id = @id" + connection.ForUpdate(),
                transaction)
            .With("@id", alertId).Rows(r => (Status: r.GetString(0), Done: r.GetInt64(1))).SingleOrDefault();
        if (row.Status is not { } status)
        {
            return 0;
        }

        var done = (int)row.Done;
        if (status != AlertStatus.New)
        {
            return 0; // Acknowledged meanwhile: the chain stops.
        }

        var taken = 0;
        for (var step = done + 1; step <= chain.Count && start + (deadline * step) <= now; step++)
        {
            var due = start + (deadline * step);
            var people = chain[step - 1];
            var notBefore = school.SendAt(severity, due);
            foreach (var target in people.SelectMany(p => p.Targets).Distinct())
            {
                NotificationOutbox.Insert(connection, transaction, alertId,
                    OutboxNotification.For(alertId, target, NotificationKinds.Escalation(step), notBefore > now ? notBefore : null), now);
            }

            var who = string.Join(", ", people.Select(p => p.Name.Length > 0 ? $"{p.Role} {p.Name}" : p.Role));
            var detail = string.Create(CultureInfo.InvariantCulture, $"step {step}: not acknowledged within {(deadline * step).TotalMinutes:0.#} min; told {who}");
            AlertHistory.Add(connection, transaction, alertId, now, "system", Escalated, detail);
            LogEscalated(alertId, severity.ToName(), step, who);
            taken++;
        }

        transaction.Commit();
        return taken;
    }

    private List<(string AlertId, string SchoolId, Severity Severity, DateTimeOffset CreatedAt)> OpenEscalable()
    {
        using var connection = store.Open();
        // Served by the partial index alerts_open_escalable.
        return connection.Command("SELECT alert_id, school_id, severity, created_at FROM alerts WHERE status = 'new' AND severity >= 4 AND is_test = 0 ORDER BY created_at")
            .Rows(r => (r.GetString(0), r.GetString(1), (Severity)r.GetInt32(2), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3))));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId} ({Severity}) not acknowledged: escalation step {Step} tells {Who}")]
    private partial void LogEscalated(string alertId, string severity, int step, string who);
}
