using AlertPipeline.Alerts;
using AlertPipeline.Storage;
using Microsoft.Data.Sqlite;

namespace AlertPipeline.Notifications;

internal sealed record DueNotification(string NotificationId, string? AlertId, string Recipient, string Channel, int Attempts, string Kind = NotificationKinds.Alert, string? Subject = null);

/// <summary>A row of the outbox as the console and tests see it.</summary>
internal sealed record OutboxRow(string NotificationId, string? AlertId, string Kind, string Recipient, string Channel, string Status, int Attempts, DateTimeOffset NextAttemptAt, string? LastError);

/// <summary>
/// The outbox as the dispatcher uses it, on either provider (SQLite <see cref="NotificationOutbox"/>, PostgreSQL
/// <see cref="PostgresNotificationOutbox"/>; one contract test suite runs against both).
/// </summary>
internal interface INotificationOutbox
{
    /// <summary>
    /// Takes up to <paramref name="max"/> due rows, most important first, for <see cref="OutboxClaims.Lease"/>: no
    /// other responder gets them until this one marks them or the lease runs out (it died mid-batch).
    /// </summary>
    IReadOnlyList<DueNotification> Claim(int max);

    /// <summary>
    /// Gives back what this responder had claimed and not marked: on start, so a restarted responder resends its
    /// last batch at once instead of after the lease.
    /// </summary>
    int ReleaseOwnClaims();

    void MarkSent(string notificationId);

    void MarkRetry(string notificationId, DateTimeOffset next, string error);

    void MarkFailed(string notificationId, string error);

    IReadOnlyList<OutboxRow> List(string? alertId = null);
}

internal static class OutboxClaims
{
    /// <summary>
    /// How long a claim holds. Longer than a batch can take (100 rows, each send bounded by the SMTP or webhook
    /// timeout, several at once), so a slow but live responder never sees its rows resent by another; short enough
    /// that a killed responder's rows go out within minutes.
    /// </summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Who claims: this machine and data directory. Stable across restarts, so a restarted responder takes back its
    /// own claims (<see cref="INotificationOutbox.ReleaseOwnClaims"/>); distinct for responders on other machines or directories.
    /// </summary>
    public static string Owner(string dataDirectory) => $"{Environment.MachineName}:{dataDirectory}";
}

/// <summary>The outbox rows of <c>alerts.db</c>: what is due, adding rows, and recording each attempt's result.</summary>
/// <param name="owner">Who claims; by default this machine and data directory (tests name other responders).</param>
internal sealed class NotificationOutbox(AlertStore store, TimeProvider clock, string? owner = null) : INotificationOutbox
{
    // One responder per data directory (DataDirectoryLock), so claims here mostly matter across its restarts.
    private readonly string _owner = owner ?? OutboxClaims.Owner(Path.GetDirectoryName(store.Database.Path)!);

    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>
    /// The due rows, most important first: system notices (a channel is down), then by the alert's severity
    /// (critical, urgent, ... ; digests last), oldest first within one. In an alert storm the outbox may hold
    /// thousands of high and medium notifications; a critical one claimed behind them would wait for all of them.
    /// </summary>
    public IReadOnlyList<DueNotification> Due(int max)
    {
        using var connection = store.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT notification_id, alert_id, recipient, channel, attempts, kind, subject FROM notifications
            WHERE status = 'pending' AND next_attempt_at <= $now ORDER BY priority DESC, next_attempt_at LIMIT $max
            """;
        command.Parameters.AddWithValue("$now", clock.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$max", max);
        using var reader = command.ExecuteReader();
        var result = new List<DueNotification>();
        while (reader.Read())
        {
            result.Add(new DueNotification(
                reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetInt32(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return result;
    }

    public IReadOnlyList<DueNotification> Claim(int max)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        using var connection = store.Database.Open();
        // IMMEDIATE (Microsoft.Data.Sqlite's default): the select and the update hold the write lock together.
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            SELECT notification_id, alert_id, recipient, channel, attempts, kind, subject FROM notifications
            WHERE status = 'pending' AND next_attempt_at <= $now AND (claimed_until IS NULL OR claimed_until <= $now)
            ORDER BY priority DESC, next_attempt_at LIMIT $max
            """;
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$max", max);
        var result = new List<DueNotification>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                result.Add(new DueNotification(
                    reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    reader.GetInt32(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
            }
        }

        command.CommandText = "UPDATE notifications SET claimed_by = $owner, claimed_until = $until WHERE notification_id = $id";
        command.Parameters.Clear();
        var id = command.Parameters.Add("$id", Microsoft.Data.Sqlite.SqliteType.Text);
        command.Parameters.AddWithValue("$owner", _owner);
        command.Parameters.AddWithValue("$until", now + (long)OutboxClaims.Lease.TotalMilliseconds);
        foreach (var row in result)
        {
            id.Value = row.NotificationId;
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        return result;
    }

    public int ReleaseOwnClaims()
    {
        using var connection = store.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE notifications SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = $owner AND status = 'pending'";
        command.Parameters.AddWithValue("$owner", _owner);
        return command.ExecuteNonQuery();
    }

    /// <summary>Every outbox row, optionally of one alert: for the console, the CLI and tests.</summary>
    public IReadOnlyList<OutboxRow> List(string? alertId = null)
    {
        using var connection = store.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT notification_id, alert_id, kind, recipient, channel, status, attempts, next_attempt_at, last_error
            FROM notifications WHERE $alert IS NULL OR alert_id = $alert ORDER BY created_at, notification_id
            """;
        command.Parameters.AddWithValue("$alert", (object?)alertId ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        return ReadRows(reader);
    }

    /// <summary>Rows of <c>notification_id, alert_id, kind, recipient, channel, status, attempts, next_attempt_at, last_error</c>, on either provider.</summary>
    internal static List<OutboxRow> ReadRows(System.Data.Common.DbDataReader reader)
    {
        var result = new List<OutboxRow>();
        while (reader.Read())
        {
            result.Add(new OutboxRow(
                reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetInt32(6), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }

        return result;
    }

    /// <summary>Adds a row unless one with the same key exists, on either engine. Returns whether it was new.</summary>
    public static bool Insert(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string? alertId, OutboxNotification n, DateTimeOffset now) =>
        connection.Command("""
            INSERT INTO notifications(notification_id, alert_id, kind, subject, recipient, channel, status, next_attempt_at, created_at, priority)
            VALUES (@nid, @alert, @kind, @subject, @recipient, @channel, 'pending', @next, @now,
                    CASE WHEN @kind = 'system' THEN 9 ELSE COALESCE((SELECT severity FROM alerts WHERE alert_id = @alert), 0) END)
            ON CONFLICT DO NOTHING
            """, transaction)
            .With("@nid", n.NotificationId).With("@alert", alertId).With("@kind", n.Kind).With("@subject", n.Subject)
            .With("@recipient", n.Recipient).With("@channel", n.Channel)
            .With("@next", (n.NotBefore ?? now).ToUnixTimeMilliseconds()).With("@now", now.ToUnixTimeMilliseconds())
            .Run() > 0;

    /// <summary>
    /// Records a delivery, at <c>synchronous=NORMAL</c>: the update survives a killed process (it is in the WAL), and
    /// only a power cut in the next moments can lose it, which means the message is sent once more, never lost. At
    /// FULL each send waited for its own fsync under the database's write lock, and that alone held the outbox to
    /// about 650 notifications/s on the 2-core machine (docs/benchmarks.md, alert storm).
    /// </summary>
    public void MarkSent(string notificationId) => Update(
        "UPDATE notifications SET status = 'sent', attempts = attempts + 1, sent_at = $now, last_error = NULL, claimed_by = NULL, claimed_until = NULL WHERE notification_id = $id",
        notificationId, null, null, synchronous: "NORMAL");

    public void MarkRetry(string notificationId, DateTimeOffset next, string error) => Update(
        "UPDATE notifications SET attempts = attempts + 1, next_attempt_at = $next, last_error = $error, claimed_by = NULL, claimed_until = NULL WHERE notification_id = $id",
        notificationId, next, error);

    public void MarkFailed(string notificationId, string error) => Update(
        "UPDATE notifications SET status = 'failed', attempts = attempts + 1, last_error = $error, claimed_by = NULL, claimed_until = NULL WHERE notification_id = $id",
        notificationId, null, error);

    /// <summary>When a row was sent, or null while it is not (a monitoring check times its test notification by it).</summary>
    public DateTimeOffset? SentAt(string notificationId)
    {
        using var connection = store.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sent_at FROM notifications WHERE notification_id = $id AND status = 'sent'";
        command.Parameters.AddWithValue("$id", notificationId);
        return command.ExecuteScalar() is long at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null;
    }

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

    /// <summary>
    /// Notifications not sent yet (pending: due, retrying or held) and given up on (failed), for the metrics. Counted
    /// through the index that leads with status, so a year of sent rows costs nothing here.
    /// </summary>
    public (long Pending, long Failed) Unsent()
    {
        using var connection = store.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT COUNT(*) FROM notifications WHERE status = 'pending'), (SELECT COUNT(*) FROM notifications WHERE status = 'failed')
            """;
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>How many pending notifications are due at <paramref name="now"/>, and since when the oldest has been due (for the watchdog).</summary>
    public (DateTimeOffset? OldestDueAt, long Due) OldestDue(DateTimeOffset now)
    {
        using var connection = store.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(next_attempt_at), COUNT(*) FROM notifications WHERE status = 'pending' AND next_attempt_at <= $now";
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.IsDBNull(0) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), reader.GetInt64(1));
    }

    private void Update(string sql, string notificationId, DateTimeOffset? next, string? error, string? synchronous = null)
    {
        using var connection = synchronous is null ? store.Database.Open() : store.Database.Open(synchronous);
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
