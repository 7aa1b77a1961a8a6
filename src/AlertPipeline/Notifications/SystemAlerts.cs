using AlertPipeline.Alerts;
using AlertPipeline.Schools;

namespace AlertPipeline.Notifications;

/// <summary>An open problem of the pipeline itself that a DSL and IT must see, e.g. a channel that keeps failing.</summary>
internal sealed record SystemAlert(long Id, DateTimeOffset At, string Kind, string? SchoolId, string? AlertId, string? NotificationId, string Detail, string Status);

/// <summary>
/// Raises system alerts: a row in <c>system_alerts</c> (the console and <c>/health</c> show open ones), a line in the
/// alert's history, and a notice to the school DSL and the trust DSL on every target except the one that failed —
/// so a dead mail server is reported by chat and a dead chat hook by email, instead of failing silently.
/// </summary>
internal sealed class SystemAlerts(AlertStore store, SchoolDirectory schools, NotificationSignal signal, TimeProvider clock)
{
    public const string NotificationFailed = "notification-failed";
    public const string ChannelDownKind = "channel-down";

    /// <summary>Records that a notification failed for good. Idempotent per notification.</summary>
    public SystemAlert? NotificationGaveUp(DueNotification failed, string? schoolId, string error)
    {
        var now = clock.GetUtcNow();
        var detail = $"{failed.Kind} notification to {failed.Recipient} by {failed.Channel} failed for good after {failed.Attempts + 1} attempt(s): {error}";
        using var connection = store.Database.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO system_alerts(at, kind, school_id, alert_id, notification_id, detail) VALUES ($at, $kind, $school, $alert, $nid, $detail)
            ON CONFLICT DO NOTHING RETURNING id
            """;
        insert.Parameters.AddWithValue("$at", now.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$kind", NotificationFailed);
        insert.Parameters.AddWithValue("$school", (object?)schoolId ?? DBNull.Value);
        insert.Parameters.AddWithValue("$alert", (object?)failed.AlertId ?? DBNull.Value);
        insert.Parameters.AddWithValue("$nid", failed.NotificationId);
        insert.Parameters.AddWithValue("$detail", detail);
        if (insert.ExecuteScalar() is not long id)
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
        using var connection = store.Database.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO system_alerts(at, kind, school_id, alert_id, notification_id, detail) VALUES ($at, $kind, NULL, NULL, $key, $detail)
            ON CONFLICT DO NOTHING RETURNING id
            """;
        insert.Parameters.AddWithValue("$at", now.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$kind", ChannelDownKind);
        // The unique notification_id column keys one system alert per outage of a channel (a second dispatcher
        // or a repeated check writes nothing new).
        insert.Parameters.AddWithValue("$key", $"channel:{channel}:{since.ToUnixTimeMilliseconds()}");
        insert.Parameters.AddWithValue("$detail", detail);
        if (insert.ExecuteScalar() is not long id)
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
        using var connection = store.Database.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO system_alerts(at, kind, school_id, alert_id, notification_id, detail) VALUES ($at, $kind, $school, NULL, $key, $detail)
            ON CONFLICT DO NOTHING RETURNING id
            """;
        insert.Parameters.AddWithValue("$at", now.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$kind", MonitoringCheckKind);
        insert.Parameters.AddWithValue("$school", schoolId);
        insert.Parameters.AddWithValue("$key", "check:" + checkId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        insert.Parameters.AddWithValue("$detail", detail);
        if (insert.ExecuteScalar() is not long id)
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
        using var connection = store.Database.Open();
        using var transaction = connection.BeginTransaction(); // IMMEDIATE: two processes cannot both see "none open".
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM system_alerts WHERE kind = $kind AND status = 'open'";
        command.Parameters.AddWithValue("$kind", WatchdogKind(check));
        if ((long)command.ExecuteScalar()! > 0)
        {
            return false;
        }

        command.CommandText = "INSERT INTO system_alerts(at, kind, detail) VALUES ($at, $kind, $detail)";
        command.Parameters.AddWithValue("$at", clock.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$detail", detail);
        command.ExecuteNonQuery();
        transaction.Commit();
        return true;
    }

    /// <summary>Closes the open watchdog system alert of a check that has recovered. Returns whether one was open.</summary>
    public bool ResolveWatchdog(string check)
    {
        using var connection = store.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE system_alerts SET status = 'resolved', resolved_at = $at, resolved_by = 'watchdog' WHERE kind = $kind AND status = 'open'";
        command.Parameters.AddWithValue("$kind", WatchdogKind(check));
        command.Parameters.AddWithValue("$at", clock.GetUtcNow().ToUnixTimeMilliseconds());
        return command.ExecuteNonQuery() > 0;
    }

    public static string WatchdogKind(string check) => "watchdog-" + check;

    public SystemAlert? Get(long id) => Query("WHERE id = $id", ("$id", id)).FirstOrDefault();

    public IReadOnlyList<SystemAlert> Open() => Query("WHERE status = 'open'");

    public long OpenCount() => Open().Count;

    /// <summary>Closes a system alert once someone has dealt with its cause. Returns false if it was not open.</summary>
    public bool Resolve(long id, string by)
    {
        using var connection = store.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE system_alerts SET status = 'resolved', resolved_at = $at, resolved_by = $by WHERE id = $id AND status = 'open'";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$at", clock.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$by", by);
        return command.ExecuteNonQuery() == 1;
    }

    private List<SystemAlert> Query(string where, params (string Name, object Value)[] parameters)
    {
        using var connection = store.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id, at, kind, school_id, alert_id, notification_id, detail, status FROM system_alerts {where} ORDER BY id";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var result = new List<SystemAlert>();
        while (reader.Read())
        {
            result.Add(new SystemAlert(
                reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6), reader.GetString(7)));
        }

        return result;
    }
}
