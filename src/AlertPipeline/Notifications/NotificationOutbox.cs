using AlertPipeline.Alerts;

namespace AlertPipeline.Notifications;

internal sealed record DueNotification(string NotificationId, string AlertId, string Recipient, string Channel, int Attempts);

/// <summary>The outbox rows of <c>alerts.db</c>: what is due, and recording each attempt's result.</summary>
internal sealed class NotificationOutbox(AlertStore store, TimeProvider clock)
{
    public IReadOnlyList<DueNotification> Due(int max)
    {
        using var connection = store.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT notification_id, alert_id, recipient, channel, attempts FROM notifications
            WHERE status = 'pending' AND next_attempt_at <= $now ORDER BY next_attempt_at LIMIT $max
            """;
        command.Parameters.AddWithValue("$now", clock.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$max", max);
        using var reader = command.ExecuteReader();
        var result = new List<DueNotification>();
        while (reader.Read())
        {
            result.Add(new DueNotification(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4)));
        }

        return result;
    }

    public void MarkSent(string notificationId) => Update(
        "UPDATE notifications SET status = 'sent', attempts = attempts + 1, sent_at = $now, last_error = NULL WHERE notification_id = $id",
        notificationId, null, null);

    public void MarkRetry(string notificationId, DateTimeOffset next, string error) => Update(
        "UPDATE notifications SET attempts = attempts + 1, next_attempt_at = $next, last_error = $error WHERE notification_id = $id",
        notificationId, next, error);

    public void MarkFailed(string notificationId, string error) => Update(
        "UPDATE notifications SET status = 'failed', attempts = attempts + 1, last_error = $error WHERE notification_id = $id",
        notificationId, null, error);

    public (long Pending, long Sent, long Failed) Counts()
    {
        using var connection = store.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT COALESCE(SUM(status = 'pending'), 0), COALESCE(SUM(status = 'sent'), 0), COALESCE(SUM(status = 'failed'), 0)
            FROM notifications
            """;
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private void Update(string sql, string notificationId, DateTimeOffset? next, string? error)
    {
        using var connection = store.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", notificationId);
        command.Parameters.AddWithValue("$now", clock.GetUtcNow().ToUnixTimeMilliseconds());
        if (next is { } n)
        {
            command.Parameters.AddWithValue("$next", n.ToUnixTimeMilliseconds());
        }

        if (error is not null)
        {
            command.Parameters.AddWithValue("$error", error.Length > 1000 ? error[..1000] : error);
        }

        command.ExecuteNonQuery();
    }
}
