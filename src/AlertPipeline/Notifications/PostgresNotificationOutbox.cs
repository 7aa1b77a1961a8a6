using AlertPipeline.Alerts;
using AlertPipeline.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AlertPipeline.Notifications;

/// <summary>
/// The outbox on a trust's PostgreSQL, drained by any number of responders at once. A claim locks its rows with
/// <c>FOR UPDATE SKIP LOCKED</c> (a second responder claiming at the same moment takes the next rows instead of
/// waiting for or re-taking these) and stamps a lease, so each row is sent by one responder, and a row whose
/// responder was killed mid-batch is claimed again once the lease has run out.
/// </summary>
internal sealed class PostgresNotificationOutbox(PostgresAlertStore store, TimeProvider clock, IOptions<StorageOptions> storage) : INotificationOutbox
{
    private readonly string _owner = OutboxClaims.Owner(storage.Value.FullDataDirectory);

    public IReadOnlyList<DueNotification> Claim(int max)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        using var connection = store.Database.Open();
        using var command = new NpgsqlCommand("""
            WITH due AS (
                SELECT notification_id FROM notifications
                WHERE status = 'pending' AND next_attempt_at <= @now AND (claimed_until IS NULL OR claimed_until <= @now)
                ORDER BY priority DESC, next_attempt_at
                LIMIT @max
                FOR UPDATE SKIP LOCKED)
            UPDATE notifications n SET claimed_by = @owner, claimed_until = @until
            FROM due WHERE n.notification_id = due.notification_id
            RETURNING n.notification_id, n.alert_id, n.recipient, n.channel, n.attempts, n.kind, n.subject, n.priority, n.next_attempt_at
            """, connection);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("max", max);
        command.Parameters.AddWithValue("owner", _owner);
        command.Parameters.AddWithValue("until", now + (long)OutboxClaims.Lease.TotalMilliseconds);
        using var reader = command.ExecuteReader();
        var claimed = new List<(DueNotification Row, int Priority, long Next)>();
        while (reader.Read())
        {
            claimed.Add((new DueNotification(
                reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetInt32(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6)), reader.GetInt32(7), reader.GetInt64(8)));
        }

        // RETURNING keeps no order: most important first again, as the dispatcher sends in this order.
        return [.. claimed.OrderByDescending(c => c.Priority).ThenBy(c => c.Next).Select(c => c.Row)];
    }

    public int ReleaseOwnClaims() => Execute(
        "UPDATE notifications SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = @owner AND status = 'pending'",
        ("owner", _owner));

    public void MarkSent(string notificationId) => Execute(
        "UPDATE notifications SET status = 'sent', attempts = attempts + 1, sent_at = @now, last_error = NULL, claimed_by = NULL, claimed_until = NULL WHERE notification_id = @id",
        ("id", notificationId), ("now", clock.GetUtcNow().ToUnixTimeMilliseconds()));

    public void MarkRetry(string notificationId, DateTimeOffset next, string error) => Execute(
        "UPDATE notifications SET attempts = attempts + 1, next_attempt_at = @next, last_error = @error, claimed_by = NULL, claimed_until = NULL WHERE notification_id = @id",
        ("id", notificationId), ("next", next.ToUnixTimeMilliseconds()), ("error", Truncate(error)));

    public void MarkFailed(string notificationId, string error) => Execute(
        "UPDATE notifications SET status = 'failed', attempts = attempts + 1, last_error = @error, claimed_by = NULL, claimed_until = NULL WHERE notification_id = @id",
        ("id", notificationId), ("error", Truncate(error)));

    public IReadOnlyList<OutboxRow> List(string? alertId = null)
    {
        using var connection = store.Database.Open();
        using var command = new NpgsqlCommand("""
            SELECT notification_id, alert_id, kind, recipient, channel, status, attempts, next_attempt_at, last_error
            FROM notifications WHERE @alert::text IS NULL OR alert_id = @alert ORDER BY created_at, notification_id
            """, connection);
        command.Parameters.AddWithValue("alert", NpgsqlTypes.NpgsqlDbType.Text, (object?)alertId ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        return NotificationOutbox.ReadRows(reader);
    }

    private static string Truncate(string error) => error.Length > 1000 ? error[..1000] : error;

    private int Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = store.Database.Open();
        using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery();
    }
}
