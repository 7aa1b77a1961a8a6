using System.Data.Common;
using AlertPipeline.Alerts;
using AlertPipeline.Schools;
using AlertPipeline.Storage;

namespace AlertPipeline.Notifications;

/// <summary>An open problem of the pipeline itself that a DSL and IT must see, e.g. a channel that keeps failing.</summary>
internal sealed record SystemAlert(long Id, DateTimeOffset At, string Kind, string? SchoolId, string? AlertId, string? NotificationId, string Detail, string Status);

/// <summary>
/// Raises system alerts: a row in <c>system_alerts</c> (the console and <c>/health</c> show open ones), a line in the
/// alert's history, and a notice to the school DSL and the trust DSL on every target except the one that failed —
/// so a dead mail server is reported by chat and a dead chat hook by email, instead of failing silently.
/// </summary>
internal sealed class SystemAlerts(IAlertStore store, SchoolDirectory schools, NotificationSignal signal, TimeProvider clock)
{
    public const string NotificationFailed = "notification-failed";
    public const string ChannelDownKind = "channel-down";

    /// <summary>Records that a notification failed for good. Idempotent per notification.</summary>
    public SystemAlert? NotificationGaveUp(DueNotification failed, string? schoolId, string error)
    {
        var now = clock.GetUtcNow();
        var detail = $"{failed.Kind} notification to {failed.Recipient} by {failed.Channel} failed for good after {failed.Attempts + 1} attempt(s): {error}";
        using var connection = store.Open();
        using var transaction = connection.BeginTransaction();
        if (Insert(connection, transaction, now, NotificationFailed, schoolId, failed.AlertId, failed.NotificationId, detail) is not { } id)
        {
            return null; // Raised before (a restart between the two writes): nothing new to say.
        }

        if (failed.AlertId is not null)
        {
            AlertHistory.Add(connection, transaction, failed.AlertId, now, "system", NotificationFailed, detail);
        }

        // A notice about a notice that failed would loop: system notices that fail are logged and listed only.
        if (failed.Kind != NotificationKinds.System)
        {
            var people = new List<Contact> { schools.TrustDsl };
            if (schoolId is not null)
            {
                people.Add(schools.For(schoolId).Dsl);
            }

            var failedTarget = new Target(failed.Recipient, failed.Channel);
            foreach (var target in people.SelectMany(p => p.Targets).Distinct().Where(t => t != failedTarget))
            {
                NotificationOutbox.Insert(connection, transaction, null,
                    OutboxNotification.For(failed.NotificationId, target, NotificationKinds.System, subject: id.ToString(System.Globalization.CultureInfo.InvariantCulture)), now);
            }
        }

        transaction.Commit();
        signal.Notify();
        return Get(id);
    }

    /// <summary>
    /// Records that a channel (the SMTP server, a webhook host) has failed every attempt since <paramref name="since"/>,
    /// with the latest cause, and tells the trust DSL on every target not on that channel. Idempotent per outage.
    /// </summary>
    public SystemAlert? ChannelDown(string channel, DateTimeOffset since, string cause, int failures, Func<Target, bool> onFailingChannel)
    {
        var now = clock.GetUtcNow();
        var detail = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{channel} cannot deliver: every attempt for {(now - since).TotalMinutes:0.#} min ({failures} failure(s)) failed; cause: {cause}. Notifications are kept and retried; alerts may be reaching nobody.");
        using var connection = store.Open();
        using var transaction = connection.BeginTransaction();
        // The unique notification_id column keys one system alert per outage of a channel (a second dispatcher
        // or a repeated check writes nothing new).
        if (Insert(connection, transaction, now, ChannelDownKind, null, null, $"channel:{channel}:{since.ToUnixTimeMilliseconds()}", detail) is not { } id)
        {
            return null;
        }

        foreach (var target in schools.TrustDsl.Targets.Where(t => !onFailingChannel(t)))
        {
            NotificationOutbox.Insert(connection, transaction, null,
                OutboxNotification.For($"channel-down:{id}", target, NotificationKinds.System, subject: id.ToString(System.Globalization.CultureInfo.InvariantCulture)), now);
        }

        transaction.Commit();
        signal.Notify();
        return Get(id);
    }

    /// <summary>
    /// Records that a school's end-to-end monitoring check failed (a category's test alert was not stored, or its test
    /// notification not delivered, in time) and tells the school DSL and the trust DSL on every target they have:
    /// monitoring that may be blind is real news, unlike the test alert itself. Idempotent per check.
    /// </summary>
    public SystemAlert? MonitoringCheckFailed(string schoolId, long checkId, string detail)
    {
        var now = clock.GetUtcNow();
        using var connection = store.Open();
        using var transaction = connection.BeginTransaction();
        if (Insert(connection, transaction, now, MonitoringCheckKind, schoolId, null, "check:" + checkId.ToString(System.Globalization.CultureInfo.InvariantCulture), detail) is not { } id)
        {
            return null;
        }

        foreach (var target in new[] { schools.For(schoolId).Dsl, schools.TrustDsl }.SelectMany(p => p.Targets).Distinct())
        {
            NotificationOutbox.Insert(connection, transaction, null,
                OutboxNotification.For($"check-failed:{id}", target, NotificationKinds.System, subject: id.ToString(System.Globalization.CultureInfo.InvariantCulture)), now);
        }

        transaction.Commit();
        signal.Notify();
        return Get(id);
    }

    public const string MonitoringCheckKind = "monitoring-check-failed";

    /// <summary>
    /// Opens a system alert for a watchdog check (kind <c>watchdog-CHECK</c>) unless one is open already, from this
    /// process or another on the same data directory. Returns whether it was opened now: only then is anyone told.
    /// </summary>
    public bool RaiseWatchdog(string check, string detail)
    {
        using var connection = store.Open();
        // Two processes must not both see "none open": SQLite's IMMEDIATE transaction, or on PostgreSQL a lock on the kind.
        using var transaction = connection.BeginWrite();
        if (connection is not Microsoft.Data.Sqlite.SqliteConnection)
        {
            connection.Command("SELECT pg_advisory_xact_lock(hashtext('alertpipeline-system-alert:' || @kind))", transaction).With("@kind", WatchdogKind(check)).Rows(_ => 0);
        }

        if (connection.Command("SELECT COUNT(*) FROM system_alerts WHERE kind = @kind AND status = 'open'", transaction).With("@kind", WatchdogKind(check)).Long() > 0)
        {
            return false;
        }

        connection.Command("INSERT INTO system_alerts(at, kind, detail) VALUES (@at, @kind, @detail)", transaction)
            .With("@at", clock.GetUtcNow().ToUnixTimeMilliseconds()).With("@kind", WatchdogKind(check)).With("@detail", detail).Run();
        transaction.Commit();
        return true;
    }

    /// <summary>Closes the open watchdog system alert of a check that has recovered. Returns whether one was open.</summary>
    public bool ResolveWatchdog(string check)
    {
        using var connection = store.Open();
        return connection.Command("UPDATE system_alerts SET status = 'resolved', resolved_at = @at, resolved_by = 'watchdog' WHERE kind = @kind AND status = 'open'")
            .With("@kind", WatchdogKind(check)).With("@at", clock.GetUtcNow().ToUnixTimeMilliseconds()).Run() > 0;
    }

    public static string WatchdogKind(string check) => "watchdog-" + check;

    public SystemAlert? Get(long id) => Query("WHERE id = @id", ("@id", id)).FirstOrDefault();

    public IReadOnlyList<SystemAlert> Open() => Query("WHERE status = 'open'");

    public long OpenCount() => Open().Count;

    /// <summary>Closes a system alert once someone has dealt with its cause. Returns false if it was not open.</summary>
    public bool Resolve(long id, string by)
    {
        using var connection = store.Open();
        return connection.Command("UPDATE system_alerts SET status = 'resolved', resolved_at = @at, resolved_by = @by WHERE id = @id AND status = 'open'")
            .With("@id", id).With("@at", clock.GetUtcNow().ToUnixTimeMilliseconds()).With("@by", by).Run() == 1;
    }

    /// <summary>Adds a system alert unless one with the same key (<paramref name="key"/>, the notification_id column) exists; its id, or null.</summary>
    private static long? Insert(DbConnection connection, DbTransaction transaction, DateTimeOffset at, string kind, string? schoolId, string? alertId, string key, string detail) =>
        connection.Command("""
                INSERT INTO system_alerts(at, kind, school_id, alert_id, notification_id, detail) VALUES (@at, @kind, @school, @alert, @key, @detail)
                ON CONFLICT DO NOTHING RETURNING id
                """, transaction)
            .With("@at", at.ToUnixTimeMilliseconds()).With("@kind", kind).With("@school", schoolId).With("@alert", alertId)
            .With("@key", key).With("@detail", detail)
            .Rows(r => r.GetInt64(0)).Cast<long?>().FirstOrDefault();

    private List<SystemAlert> Query(string where, params (string Name, object Value)[] parameters)
    {
        using var connection = store.Open();
        var command = connection.Command($"SELECT id, at, kind, school_id, alert_id, notification_id, detail, status FROM system_alerts {where} ORDER BY id");
        foreach (var (name, value) in parameters)
        {
            command.With(name, value);
        }

        return command.Rows(r => new SystemAlert(
            r.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), r.GetString(2),
            r.NullableString(3), r.NullableString(4), r.NullableString(5), r.GetString(6), r.GetString(7)));
    }
}
