using System.Text.Json;
using AlertPipeline.Detection;
using AlertPipeline.Notifications;
using AlertPipeline.Storage.Migrations;
using AlertPipeline.Storage.Postgres;
using Npgsql;

namespace AlertPipeline.Alerts;

/// <summary>
/// The alert store on a trust's PostgreSQL (ADR 0022): the same tables, keys and transactional outbox as
/// <see cref="AlertStore"/>, shared by every detect and respond process. Any number of detect processes may save the
/// same events at once (a Kafka rebalance redelivers a batch to a second consumer): the unique keys decide, so each
/// event yields one alert, one history row and one set of notifications.
/// </summary>
internal sealed class PostgresAlertStore : IAlertStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Two writers of overlapping batches can still deadlock on the rows a merge updates (PostgreSQL then aborts one:
    // 40P01); the aborted transaction changed nothing, so it is simply run again.
    private const int Attempts = 5;

    private readonly PostgresDatabase _database;

    public PostgresAlertStore(PostgresDatabase database, TimeProvider clock)
    {
        _database = database;
        using var connection = _database.Open();
        SchemaVersion = SchemaMigrator.Migrate(connection, AlertSchema.Store, AlertSchema.Postgres, clock);
    }

    public int SchemaVersion { get; }

    public string Describe => _database.Describe;

    public PostgresDatabase Database => _database;

    public System.Data.Common.DbConnection Open() => _database.Open();

    public IReadOnlyList<Alert> Save(
        IReadOnlyList<(Alert Alert, IReadOnlyList<OutboxNotification> Notifications)> alerts,
        IReadOnlyList<AlertMerge> merges)
    {
        if (alerts.Count == 0 && merges.Count == 0)
        {
            return [];
        }

        // One order for every writer: rows are locked in alert id order, so writers of the same batch queue behind
        // each other instead of deadlocking.
        var ordered = alerts.OrderBy(a => a.Alert.AlertId, StringComparer.Ordinal).ToList();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return SaveOnce(ordered, merges);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < Attempts)
            {
                // Retried: see Attempts.
            }
        }
    }

    private List<Alert> SaveOnce(List<(Alert Alert, IReadOnlyList<OutboxNotification> Notifications)> alerts, IReadOnlyList<AlertMerge> merges)
    {
        var stored = new List<Alert>();
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        foreach (var (alert, notifications) in alerts)
        {
            using var insert = new NpgsqlCommand("""
                INSERT INTO alerts(alert_id, event_id, rule, school_id, device_id, user_login, occurred_at, source, app, url,
                    screenshot_ref, text, normalized_text, categories, severity, matches, list_version, status, created_at, updated_at,
                    event_count, last_event_at, group_key, snippet, is_test)
                VALUES (@id, @event, @rule, @school, @device, @login, @occurred, @source, @app, @url,
                    @shot, @text, @norm, @cats, @sev, @matches, @version, @status, @created, @created,
                    1, @occurred, @group, @snippet, @test)
                ON CONFLICT DO NOTHING
                """, connection, transaction);
            var p = insert.Parameters;
            p.AddWithValue("id", alert.AlertId);
            p.AddWithValue("event", alert.EventId);
            p.AddWithValue("rule", alert.Rule);
            p.AddWithValue("school", alert.SchoolId);
            p.AddWithValue("device", alert.DeviceId);
            p.AddWithValue("login", alert.UserLogin);
            p.AddWithValue("occurred", alert.OccurredAt.ToUnixTimeMilliseconds());
            p.AddWithValue("source", alert.Source);
            p.AddWithValue("app", (object?)alert.App ?? DBNull.Value);
            p.AddWithValue("url", (object?)alert.Url ?? DBNull.Value);
            p.AddWithValue("shot", (object?)alert.ScreenshotRef ?? DBNull.Value);
            p.AddWithValue("text", alert.Text);
            p.AddWithValue("norm", alert.NormalizedText);
            p.AddWithValue("cats", JsonSerializer.Serialize(alert.Categories, Json));
            p.AddWithValue("sev", (int)alert.Severity);
            p.AddWithValue("matches", JsonSerializer.Serialize(alert.Matches, Json));
            p.AddWithValue("version", alert.ListVersion);
            p.AddWithValue("status", alert.Status);
            p.AddWithValue("created", alert.CreatedAt.ToUnixTimeMilliseconds());
            p.AddWithValue("group", (object?)alert.GroupKey ?? DBNull.Value);
            p.AddWithValue("snippet", alert.Snippet);
            p.AddWithValue("test", alert.IsTest ? 1 : 0);
            if (insert.ExecuteNonQuery() == 0)
            {
                continue; // Stored already, by an earlier delivery or by another process right now: nothing more to do.
            }

            stored.Add(alert);
            RecordEvent(connection, transaction, new Events.EventKey(alert.SchoolId, alert.DeviceId, alert.EventId), alert.AlertId, alert.OccurredAt);
            AlertHistory.Created(connection, transaction, alert, $"{alert.Severity.ToName()} {string.Join(",", alert.Categories)} by list {alert.ListVersion}");
            InsertNotifications(connection, transaction, alert.AlertId, notifications, alert.CreatedAt);
        }

        ApplyMerges(connection, transaction, merges);

        transaction.Commit();
        return stored;
    }

    public HashSet<Events.EventKey> KnownEvents(IReadOnlyCollection<Events.EventKey> events)
    {
        var known = new HashSet<Events.EventKey>();
        if (events.Count == 0)
        {
            return known;
        }

        using var connection = _database.Open();
        using var command = new NpgsqlCommand("""
            SELECT e.school_id, e.device_id, e.event_id FROM alert_events e
            JOIN unnest(@s::text[], @d::text[], @e::text[]) AS k(school_id, device_id, event_id)
                ON e.school_id = k.school_id AND e.device_id = k.device_id AND e.event_id = k.event_id
            """, connection);
        command.Parameters.AddWithValue("s", events.Select(e => e.SchoolId).ToArray());
        command.Parameters.AddWithValue("d", events.Select(e => e.DeviceId).ToArray());
        command.Parameters.AddWithValue("e", events.Select(e => e.EventId).ToArray());
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            known.Add(new Events.EventKey(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return known;
    }

    public IReadOnlyList<Alert> OfPupil(string schoolId, string userLogin, DateTimeOffset from, DateTimeOffset to) => Query(
        "school_id = @school AND user_login = @login AND COALESCE(last_event_at, occurred_at) >= @from AND occurred_at <= @to ORDER BY occurred_at",
        ("school", schoolId), ("login", userLogin), ("from", from.ToUnixTimeMilliseconds()), ("to", to.ToUnixTimeMilliseconds()));

    public Alert? OfEvent(Events.EventKey e) => Query(
        "alert_id = (SELECT alert_id FROM alert_events WHERE school_id = @s AND device_id = @d AND event_id = @e)",
        ("s", e.SchoolId), ("d", e.DeviceId), ("e", e.EventId)).FirstOrDefault();

    public Alert? Get(string alertId) => Query("alert_id = @id", ("id", alertId)).FirstOrDefault();

    public IReadOnlyList<Alert> List(AlertQuery query)
    {
        var where = new List<string> { "TRUE" };
        var parameters = new List<(string, object)>();
        if (query.SchoolId is not null)
        {
            where.Add("school_id = @school");
            parameters.Add(("school", query.SchoolId));
        }

        if (query.MinimumSeverity is { } min)
        {
            where.Add("severity >= @min");
            parameters.Add(("min", (int)min));
        }

        if (query.Status is not null)
        {
            where.Add("status = @status");
            parameters.Add(("status", query.Status));
        }

        parameters.Add(("limit", query.Limit));
        return Query($"{string.Join(" AND ", where)} ORDER BY created_at, alert_id LIMIT @limit", [.. parameters]);
    }

    public long Count()
    {
        using var connection = _database.Open();
        using var command = new NpgsqlCommand("SELECT COUNT(*) FROM alerts", connection);
        return (long)command.ExecuteScalar()!;
    }

    private List<Alert> Query(string whereAndOrder, params (string Name, object Value)[] parameters)
    {
        using var connection = _database.Open();
        using var command = new NpgsqlCommand($"SELECT {Columns} FROM alerts WHERE {whereAndOrder}", connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        return AlertStore.ReadAlerts(reader);
    }

    private const string Columns = AlertStore.Columns;

    private static bool RecordEvent(NpgsqlConnection connection, NpgsqlTransaction transaction, Events.EventKey e, string alertId, DateTimeOffset at)
    {
        using var command = new NpgsqlCommand("""
            INSERT INTO alert_events(school_id, device_id, event_id, alert_id, occurred_at) VALUES (@s, @d, @e, @a, @at)
            ON CONFLICT DO NOTHING
            """, connection, transaction);
        command.Parameters.AddWithValue("s", e.SchoolId);
        command.Parameters.AddWithValue("d", e.DeviceId);
        command.Parameters.AddWithValue("e", e.EventId);
        command.Parameters.AddWithValue("a", alertId);
        command.Parameters.AddWithValue("at", at.ToUnixTimeMilliseconds());
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>
    /// Folds each event into its alert, in order: one statement a merge (record the event; only if it was new, update the
    /// alert, taking its next version, and write the history row), all of them sent in one round trip. A merge is most
    /// of what detection writes (one pupil repeating a concern), and one round trip per statement per merge was what
    /// held Kafka + PostgreSQL to about half of SQLite's throughput (docs/benchmarks.md). Statements of one batch run in
    /// order in this transaction, so a second merge into the same alert sees the first.
    /// </summary>
    private static void ApplyMerges(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<AlertMerge> merges)
    {
        if (merges.Count == 0)
        {
            return;
        }

        using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var merge in merges)
        {
            batch.BatchCommands.Add(MergeCommand(merge));
        }

        batch.ExecuteNonQuery();
        for (var i = 0; i < merges.Count; i++)
        {
            // No history row written: this event was already folded in, by an earlier delivery or another process.
            if (batch.BatchCommands[i].RecordsAffected == 1)
            {
                InsertNotifications(connection, transaction, merges[i].AlertId, merges[i].Notifications, merges[i].OccurredAt);
            }
        }
    }

    private static NpgsqlBatchCommand MergeCommand(AlertMerge merge)
    {
        // The UPDATE locks the alert's row until commit, as AlertHistory.Add's does: two changes of one alert get
        // versions in the order they commit.
        var longer = merge.LongerText;
        var command = new NpgsqlBatchCommand($"""
            WITH recorded AS (
                INSERT INTO alert_events(school_id, device_id, event_id, alert_id, occurred_at) VALUES (@s, @d, @e, @id, @at)
                ON CONFLICT DO NOTHING
                RETURNING 1
            ), merged AS (
                UPDATE alerts SET event_count = event_count + 1, last_event_at = GREATEST(COALESCE(last_event_at, occurred_at), @at),
                    severity = GREATEST(severity, @sev), categories = @cats, updated_at = @at, version = version + 1
                    {(longer is null ? string.Empty : ", text = @text, normalized_text = @norm, matches = @matches, snippet = @snippet")}
                WHERE alert_id = @id AND EXISTS (SELECT 1 FROM recorded)
                RETURNING version, status, severity
            )
            INSERT INTO alert_history(alert_id, at, actor, action, detail, version, status, severity)
            SELECT @id, @at, 'system', 'merged', @detail, version, status, severity FROM merged
            """);
        var p = command.Parameters;
        p.AddWithValue("s", merge.Event.SchoolId);
        p.AddWithValue("d", merge.Event.DeviceId);
        p.AddWithValue("e", merge.Event.EventId);
        p.AddWithValue("id", merge.AlertId);
        p.AddWithValue("at", merge.OccurredAt.ToUnixTimeMilliseconds());
        p.AddWithValue("sev", (int)merge.Severity);
        p.AddWithValue("cats", JsonSerializer.Serialize(merge.Categories, Json));
        p.AddWithValue("detail", merge.HistoryDetail);
        if (longer is not null)
        {
            p.AddWithValue("text", longer.Text);
            p.AddWithValue("norm", longer.NormalizedText);
            p.AddWithValue("matches", JsonSerializer.Serialize(longer.Matches, Json));
            p.AddWithValue("snippet", longer.Snippet);
        }

        return command;
    }

    private static void InsertNotifications(NpgsqlConnection connection, NpgsqlTransaction transaction, string alertId, IReadOnlyList<OutboxNotification> notifications, DateTimeOffset at)
    {
        foreach (var n in notifications)
        {
            using var command = new NpgsqlCommand("""
                INSERT INTO notifications(notification_id, alert_id, kind, recipient, channel, status, next_attempt_at, created_at, priority)
                VALUES (@nid, @id, @kind, @recipient, @channel, 'pending', @next, @at,
                    CASE WHEN @kind = 'test' THEN 0 ELSE COALESCE((SELECT severity FROM alerts WHERE alert_id = @id), 0) END)
                ON CONFLICT DO NOTHING
                """, connection, transaction);
            command.Parameters.AddWithValue("nid", n.NotificationId);
            command.Parameters.AddWithValue("id", alertId);
            command.Parameters.AddWithValue("kind", n.Kind);
            command.Parameters.AddWithValue("recipient", n.Recipient);
            command.Parameters.AddWithValue("channel", n.Channel);
            command.Parameters.AddWithValue("at", at.ToUnixTimeMilliseconds());

            // Out of school hours a lower-severity notification waits for opening time: scheduled, never dropped.
            command.Parameters.AddWithValue("next", (n.NotBefore ?? at).ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
    }
}
