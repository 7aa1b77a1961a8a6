using System.Text.Json;
using AlertPipeline.Detection;
using AlertPipeline.Notifications;
using AlertPipeline.Storage;
using Microsoft.Data.Sqlite;
using AlertPipeline.Storage.Migrations;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Alerts;

/// <summary>
/// Alerts, their history and the notification outbox, in <c>alerts.db</c>. An alert and the notifications it
/// causes are written in one transaction (a transactional outbox): there is never an alert whose notification was
/// forgotten, nor a notification for an alert that was not stored.
/// </summary>
internal sealed class AlertStore : IAlertStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly SqliteDatabase _database;

    public const string FileName = "alerts.db";

    public AlertStore(IOptions<StorageOptions> options)
    {
        var storage = options.Value;
        _database = new SqliteDatabase(Path.Combine(storage.FullDataDirectory, FileName), storage.Synchronous);
        using var connection = _database.Open();
        // The journal's applied_at is a record of when an upgrade ran, not time the pipeline reasons about.
        SchemaVersion = SchemaMigrator.Migrate(connection, AlertSchema.Store, AlertSchema.Sqlite, TimeProvider.System);
    }

    public SqliteDatabase Database => _database;

    /// <summary>Whether the pipeline has created its SQLite alert store in the data directory.</summary>
    public static bool Exists(StorageOptions storage) => File.Exists(Path.Combine(storage.FullDataDirectory, FileName));

    public System.Data.Common.DbConnection Open() => _database.Open();

    /// <summary>The schema version this store is at (<c>alertpipeline migrate</c> reports it).</summary>
    public int SchemaVersion { get; }

    public string Describe => _database.Path;

    /// <summary>
    /// Stores alerts (ignoring any already stored for the same event and rule) with their notifications.
    /// Returns the alerts that were new. Idempotent: calling it again with the same alerts changes nothing.
    /// </summary>
    public IReadOnlyList<Alert> Save(IReadOnlyList<(Alert Alert, IReadOnlyList<OutboxNotification> Notifications)> alerts) =>
        Save(alerts, []);

    /// <summary>
    /// Stores new alerts and folds merged events into existing ones, in one transaction. Each event is recorded in
    /// <c>alert_events</c> once: a merge whose event is already recorded (a redelivery) changes nothing.
    /// </summary>
    public IReadOnlyList<Alert> Save(
        IReadOnlyList<(Alert Alert, IReadOnlyList<OutboxNotification> Notifications)> alerts,
        IReadOnlyList<AlertMerge> merges)
    {
        var stored = new List<Alert>();
        if (alerts.Count == 0 && merges.Count == 0)
        {
            return stored;
        }

        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO alerts(alert_id, event_id, rule, school_id, device_id, user_login, occurred_at, source, app, url,
                screenshot_ref, text, normalized_text, categories, severity, matches, list_version, status, created_at, updated_at,
                event_count, last_event_at, group_key, snippet, is_test)
            VALUES ($id, $event, $rule, $school, $device, $login, $occurred, $source, $app, $url,
                $shot, $text, $norm, $cats, $sev, $matches, $version, $status, $created, $created,
                1, $occurred, $group, $snippet, $test)
            ON CONFLICT DO NOTHING
            """;
        using var outbox = connection.CreateCommand();
        outbox.Transaction = transaction;
        outbox.CommandText = """
            INSERT INTO notifications(notification_id, alert_id, kind, recipient, channel, status, next_attempt_at, created_at, priority)
            VALUES ($nid, $id, $kind, $recipient, $channel, 'pending', $next, $at,
                CASE WHEN $kind = 'test' THEN 0 ELSE COALESCE((SELECT severity FROM alerts WHERE alert_id = $id), 0) END) ON CONFLICT DO NOTHING
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
            insert.Parameters.AddWithValue("$group", (object?)alert.GroupKey ?? DBNull.Value);
            insert.Parameters.AddWithValue("$snippet", alert.Snippet);
            insert.Parameters.AddWithValue("$test", alert.IsTest ? 1 : 0);
            if (insert.ExecuteNonQuery() == 0)
            {
                continue; // Already stored by an earlier delivery of the same event: nothing more to do.
            }

            stored.Add(alert);
            RecordEvent(connection, transaction, new Events.EventKey(alert.SchoolId, alert.DeviceId, alert.EventId), alert.AlertId, alert.OccurredAt);
            AlertHistory.Created(connection, transaction, alert, $"{alert.Severity.ToName()} {string.Join(",", alert.Categories)} by list {alert.ListVersion}");
            InsertNotifications(outbox, alert.AlertId, notifications, alert.CreatedAt);
        }

        foreach (var merge in merges)
        {
            if (!RecordEvent(connection, transaction, merge.Event, merge.AlertId, merge.OccurredAt))
            {
                continue; // This event was already folded in by an earlier delivery.
            }

            ApplyMerge(connection, transaction, merge);
            InsertNotifications(outbox, merge.AlertId, merge.Notifications, merge.OccurredAt);
        }

        transaction.Commit();
        return stored;
    }

    /// <summary>The subset of these events already counted in some alert.</summary>
    public HashSet<Events.EventKey> KnownEvents(IReadOnlyCollection<Events.EventKey> events)
    {
        var known = new HashSet<Events.EventKey>();
        if (events.Count == 0)
        {
            return known;
        }

        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT e.school_id, e.device_id, e.event_id FROM alert_events e
            JOIN json_each($keys) k ON e.school_id = json_extract(k.value, '$[0]')
                AND e.device_id = json_extract(k.value, '$[1]') AND e.event_id = json_extract(k.value, '$[2]')
            """;
        command.Parameters.AddWithValue("$keys", JsonSerializer.Serialize(events.Select(e => new[] { e.SchoolId, e.DeviceId, e.EventId })));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            known.Add(new Events.EventKey(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return known;
    }

    /// <summary>A pupil's alerts whose events (first to last) touch [<paramref name="from"/>, <paramref name="to"/>]: for rebuilding grouping and trajectory state.</summary>
    public IReadOnlyList<Alert> OfPupil(string schoolId, string userLogin, DateTimeOffset from, DateTimeOffset to) => Query(
        "school_id = $school AND user_login = $login AND COALESCE(last_event_at, occurred_at) >= $from AND occurred_at <= $to",
        ("$school", schoolId), ("$login", userLogin), ("$from", from.ToUnixTimeMilliseconds()), ("$to", to.ToUnixTimeMilliseconds()));

    /// <summary>Each school and the screenshot its alerts show (distinct pairs).</summary>
    public IReadOnlyList<(string SchoolId, string Reference)> ScreenshotsShown()
    {
        var shown = new List<(string, string)>();
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT school_id, screenshot_ref FROM alerts WHERE screenshot_ref IS NOT NULL";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            shown.Add((reader.GetString(0), reader.GetString(1)));
        }

        return shown;
    }

    /// <summary>The alert an event was counted in, if any: a monitoring check asks whether its event became one.</summary>
    public Alert? OfEvent(Events.EventKey e) => Query(
        "alert_id = (SELECT alert_id FROM alert_events WHERE school_id = $s AND device_id = $d AND event_id = $e)",
        ("$s", e.SchoolId), ("$d", e.DeviceId), ("$e", e.EventId)).FirstOrDefault();

    private List<Alert> Query(string where, params (string Name, object Value)[] parameters)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM alerts WHERE {where} ORDER BY occurred_at";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return ReadAlerts(command);
    }

    private static void InsertNotifications(SqliteCommand outbox, string alertId, IReadOnlyList<OutboxNotification> notifications, DateTimeOffset at)
    {
        foreach (var n in notifications)
        {
            outbox.Parameters.Clear();
            outbox.Parameters.AddWithValue("$nid", n.NotificationId);
            outbox.Parameters.AddWithValue("$id", alertId);
            outbox.Parameters.AddWithValue("$recipient", n.Recipient);
            outbox.Parameters.AddWithValue("$channel", n.Channel);
            outbox.Parameters.AddWithValue("$kind", n.Kind);
            outbox.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());

            // Out of school hours a lower-severity notification waits for opening time: scheduled, never dropped.
            outbox.Parameters.AddWithValue("$next", (n.NotBefore ?? at).ToUnixTimeMilliseconds());
            outbox.ExecuteNonQuery();
        }
    }

    private static bool RecordEvent(SqliteConnection connection, SqliteTransaction transaction, Events.EventKey e, string alertId, DateTimeOffset at)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO alert_events(school_id, device_id, event_id, alert_id, occurred_at) VALUES ($s, $d, $e, $a, $at)
            ON CONFLICT DO NOTHING
            """;
        command.Parameters.AddWithValue("$s", e.SchoolId);
        command.Parameters.AddWithValue("$d", e.DeviceId);
        command.Parameters.AddWithValue("$e", e.EventId);
        command.Parameters.AddWithValue("$a", alertId);
        command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        return command.ExecuteNonQuery() == 1;
    }

    private static void ApplyMerge(SqliteConnection connection, SqliteTransaction transaction, AlertMerge merge)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var longer = merge.LongerText;
        command.CommandText =
            "UPDATE alerts SET event_count = event_count + 1, last_event_at = MAX(COALESCE(last_event_at, occurred_at), $at), " +
            "severity = MAX(severity, $sev), categories = $cats, updated_at = $at" +
            (longer is null ? string.Empty : ", text = $text, normalized_text = $norm, matches = $matches, snippet = $snippet") +
            " WHERE alert_id = $id";
        command.Parameters.AddWithValue("$id", merge.AlertId);
        command.Parameters.AddWithValue("$at", merge.OccurredAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$sev", (int)merge.Severity);
        command.Parameters.AddWithValue("$cats", JsonSerializer.Serialize(merge.Categories, Json));
        if (longer is not null)
        {
            command.Parameters.AddWithValue("$text", longer.Text);
            command.Parameters.AddWithValue("$norm", longer.NormalizedText);
            command.Parameters.AddWithValue("$matches", JsonSerializer.Serialize(longer.Matches, Json));
            command.Parameters.AddWithValue("$snippet", longer.Snippet);
        }

        command.ExecuteNonQuery();
        AlertHistory.Add(connection, transaction, merge.AlertId, merge.OccurredAt, "system", "merged", merge.HistoryDetail);
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

    internal const string Columns = "alert_id, event_id, rule, school_id, device_id, user_login, occurred_at, source, app, url, " +
                                   "screenshot_ref, text, normalized_text, categories, severity, matches, list_version, status, created_at, updated_at, " +
                                   "event_count, last_event_at, group_key, snippet, is_test";

    private static List<Alert> ReadAlerts(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        return ReadAlerts(reader);
    }

    /// <summary>Alerts from rows of <see cref="Columns"/>, on either provider (PostgresAlertStore reads the same columns).</summary>
    internal static List<Alert> ReadAlerts(System.Data.Common.DbDataReader reader)
    {
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
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(19)))
            {
                EventCount = reader.GetInt32(20),
                LastEventAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.IsDBNull(21) ? reader.GetInt64(6) : reader.GetInt64(21)),
                GroupKey = reader.IsDBNull(22) ? null : reader.GetString(22),
                Snippet = reader.GetString(23),
                // SQLite hands INTEGER back as 64-bit, PostgreSQL's INTEGER as 32-bit.
                IsTest = Convert.ToInt64(reader.GetValue(24), System.Globalization.CultureInfo.InvariantCulture) != 0,
            });
        }

        return result;
    }
}

internal sealed record AlertQuery(string? SchoolId = null, Severity? MinimumSeverity = null, string? Status = null, int Limit = 100_000);
