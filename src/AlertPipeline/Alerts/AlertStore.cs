using System.Text.Json;
using AlertPipeline.Detection;
using AlertPipeline.Notifications;
using AlertPipeline.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Alerts;

/// <summary>
/// Alerts, their history and the notification outbox, in <c>alerts.db</c>. An alert and the notifications it
/// causes are written in one transaction (a transactional outbox): there is never an alert whose notification was
/// forgotten, nor a notification for an alert that was not stored.
/// </summary>
internal sealed class AlertStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly SqliteDatabase _database;

    public AlertStore(IOptions<StorageOptions> options)
    {
        var storage = options.Value;
        _database = new SqliteDatabase(Path.Combine(storage.FullDataDirectory, "alerts.db"), storage.Synchronous);
        using var connection = _database.Open();
        SqliteDatabase.Execute(connection, """
            CREATE TABLE IF NOT EXISTS alerts (
                alert_id TEXT PRIMARY KEY,
                event_id TEXT NOT NULL,
                rule TEXT NOT NULL,
                school_id TEXT NOT NULL,
                device_id TEXT NOT NULL,
                user_login TEXT NOT NULL,
                occurred_at INTEGER NOT NULL,
                source TEXT NOT NULL,
                app TEXT,
                url TEXT,
                screenshot_ref TEXT,
                text TEXT NOT NULL,
                normalized_text TEXT NOT NULL,
                categories TEXT NOT NULL,
                severity INTEGER NOT NULL,
                matches TEXT NOT NULL,
                list_version TEXT NOT NULL,
                status TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                UNIQUE (event_id, rule));
            CREATE INDEX IF NOT EXISTS alerts_by_school_time ON alerts(school_id, created_at);
            CREATE INDEX IF NOT EXISTS alerts_by_pupil ON alerts(user_login, occurred_at);
            CREATE TABLE IF NOT EXISTS alert_history (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                alert_id TEXT NOT NULL REFERENCES alerts(alert_id),
                at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT);
            """);
        NotificationSchema.Create(connection);
    }

    public SqliteDatabase Database => _database;

    /// <summary>
    /// Stores alerts (ignoring any already stored for the same event and rule) with their notifications.
    /// Returns the alerts that were new. Idempotent: calling it again with the same alerts changes nothing.
    /// </summary>
    public IReadOnlyList<Alert> Save(IReadOnlyList<(Alert Alert, IReadOnlyList<OutboxNotification> Notifications)> alerts)
    {
        var stored = new List<Alert>();
        if (alerts.Count == 0)
        {
            return stored;
        }

        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO alerts(alert_id, event_id, rule, school_id, device_id, user_login, occurred_at, source, app, url,
                screenshot_ref, text, normalized_text, categories, severity, matches, list_version, status, created_at, updated_at)
            VALUES ($id, $event, $rule, $school, $device, $login, $occurred, $source, $app, $url,
                $shot, $text, $norm, $cats, $sev, $matches, $version, $status, $created, $created)
            ON CONFLICT DO NOTHING
            """;
        using var history = connection.CreateCommand();
        history.Transaction = transaction;
        history.CommandText = "INSERT INTO alert_history(alert_id, at, actor, action, detail) VALUES ($id, $at, 'system', 'created', $detail)";
        using var outbox = connection.CreateCommand();
        outbox.Transaction = transaction;
        outbox.CommandText = """
            INSERT INTO notifications(notification_id, alert_id, kind, recipient, channel, status, next_attempt_at, created_at)
            VALUES ($nid, $id, $kind, $recipient, $channel, 'pending', $next, $at) ON CONFLICT DO NOTHING
            """;

        foreach (var (alert, notifications) in alerts)
        {
            insert.Parameters.Clear();
            insert.Parameters.AddWithValue("$id", alert.AlertId);
            insert.Parameters.AddWithValue("$event", alert.EventId);
            insert.Parameters.AddWithValue("$rule", alert.Rule);
            insert.Parameters.AddWithValue("$school", alert.SchoolId);
            insert.Parameters.AddWithValue("$device", alert.DeviceId);
            insert.Parameters.AddWithValue("$login", alert.UserLogin);
            insert.Parameters.AddWithValue("$occurred", alert.OccurredAt.ToUnixTimeMilliseconds());
            insert.Parameters.AddWithValue("$source", alert.Source);
            insert.Parameters.AddWithValue("$app", (object?)alert.App ?? DBNull.Value);
            insert.Parameters.AddWithValue("$url", (object?)alert.Url ?? DBNull.Value);
            insert.Parameters.AddWithValue("$shot", (object?)alert.ScreenshotRef ?? DBNull.Value);
            insert.Parameters.AddWithValue("$text", alert.Text);
            insert.Parameters.AddWithValue("$norm", alert.NormalizedText);
            insert.Parameters.AddWithValue("$cats", JsonSerializer.Serialize(alert.Categories, Json));
            insert.Parameters.AddWithValue("$sev", (int)alert.Severity);
            insert.Parameters.AddWithValue("$matches", JsonSerializer.Serialize(alert.Matches, Json));
            insert.Parameters.AddWithValue("$version", alert.ListVersion);
            insert.Parameters.AddWithValue("$status", alert.Status);
            insert.Parameters.AddWithValue("$created", alert.CreatedAt.ToUnixTimeMilliseconds());
            if (insert.ExecuteNonQuery() == 0)
            {
                continue; // Already stored by an earlier delivery of the same event: nothing more to do.
            }

            stored.Add(alert);
            history.Parameters.Clear();
            history.Parameters.AddWithValue("$id", alert.AlertId);
            history.Parameters.AddWithValue("$at", alert.CreatedAt.ToUnixTimeMilliseconds());
            history.Parameters.AddWithValue("$detail", $"{alert.Severity.ToName()} {string.Join(",", alert.Categories)} by list {alert.ListVersion}");
            history.ExecuteNonQuery();
            foreach (var n in notifications)
            {
                outbox.Parameters.Clear();
                outbox.Parameters.AddWithValue("$nid", n.NotificationId);
                outbox.Parameters.AddWithValue("$id", alert.AlertId);
                outbox.Parameters.AddWithValue("$recipient", n.Recipient);
                outbox.Parameters.AddWithValue("$channel", n.Channel);
                outbox.Parameters.AddWithValue("$kind", n.Kind);
                outbox.Parameters.AddWithValue("$at", alert.CreatedAt.ToUnixTimeMilliseconds());
                outbox.Parameters.AddWithValue("$next", (n.NotBefore ?? alert.CreatedAt).ToUnixTimeMilliseconds());
                outbox.ExecuteNonQuery();
            }
        }

        transaction.Commit();
        return stored;
    }

    public IReadOnlyList<Alert> List(AlertQuery query)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        var where = new List<string>();
        if (query.SchoolId is not null)
        {
            where.Add("school_id = $school");
            command.Parameters.AddWithValue("$school", query.SchoolId);
        }

        if (query.MinimumSeverity is { } min)
        {
            where.Add("severity >= $min");
            command.Parameters.AddWithValue("$min", (int)min);
        }

        if (query.Status is not null)
        {
            where.Add("status = $status");
            command.Parameters.AddWithValue("$status", query.Status);
        }

        command.CommandText = $"SELECT {Columns} FROM alerts {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY created_at, alert_id LIMIT $limit";
        command.Parameters.AddWithValue("$limit", query.Limit);
        return ReadAlerts(command);
    }

    public Alert? Get(string alertId)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM alerts WHERE alert_id = $id";
        command.Parameters.AddWithValue("$id", alertId);
        return ReadAlerts(command).FirstOrDefault();
    }

    public long Count()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM alerts";
        return (long)command.ExecuteScalar()!;
    }

    private const string Columns = "alert_id, event_id, rule, school_id, device_id, user_login, occurred_at, source, app, url, " +
                                   "screenshot_ref, text, normalized_text, categories, severity, matches, list_version, status, created_at, updated_at";

    private static List<Alert> ReadAlerts(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var result = new List<Alert>();
        while (reader.Read())
        {
            result.Add(new Alert(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)), reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetString(10), reader.GetString(11), reader.GetString(12),
                JsonSerializer.Deserialize<List<string>>(reader.GetString(13), Json)!, (Severity)reader.GetInt32(14),
                JsonSerializer.Deserialize<List<AlertMatch>>(reader.GetString(15), Json)!, reader.GetString(16),
                reader.GetString(17), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(18)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(19))));
        }

        return result;
    }
}

internal sealed record AlertQuery(string? SchoolId = null, Severity? MinimumSeverity = null, string? Status = null, int Limit = 100_000);
