using AlertPipeline.Notifications;
using AlertPipeline.Storage;
using AlertPipeline.Storage.Migrations;
using Microsoft.Data.Sqlite;

namespace AlertPipeline.Alerts;

/// <summary>
/// The numbered schema of the alert store (alerts, their events and history, and the notification outbox that is
/// written in the same transaction), per provider (ADR 0022). A step once released is never edited: a change is a
/// new step.
/// </summary>
internal static class AlertSchema
{
    public const string Store = "alerts";

    /// <summary>
    /// <c>alerts.db</c>. Step 1 is the baseline: the schema every earlier release reached through
    /// <c>CREATE TABLE IF NOT EXISTS</c> and added columns, written the same way so that it adopts a store made by
    /// any of them (upgrading one from before issue 12 on the way) and creates a new one; from step 2 on, plain steps.
    /// </summary>
    public static readonly IReadOnlyList<Migration> Sqlite =
    [
        new(1, "baseline: alerts, events, history and outbox as created before numbered migrations",
            (connection, _) => SqliteBaseline((SqliteConnection)connection), OwnTransaction: true),
        new(2, "outbox claims: claimed_by, claimed_until", (connection, transaction) => SchemaMigrator.Execute(connection, transaction, NotificationSchema.SqliteClaims)),
        new(3, "alert versions: every change numbered, recorded in history and relayed", (connection, transaction) => SchemaMigrator.Execute(connection, transaction, Versions)),
    ];

    public static readonly IReadOnlyList<Migration> Postgres =
    [
        new(1, "alerts, events and history", (connection, transaction) => SchemaMigrator.Execute(connection, transaction, """
            CREATE TABLE alerts (
                alert_id TEXT PRIMARY KEY,
                event_id TEXT NOT NULL,
                rule TEXT NOT NULL,
                school_id TEXT NOT NULL,
                device_id TEXT NOT NULL,
                user_login TEXT NOT NULL,
                occurred_at BIGINT NOT NULL,
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
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                event_count INTEGER NOT NULL DEFAULT 1,
                last_event_at BIGINT,
                group_key TEXT,
                snippet TEXT NOT NULL DEFAULT '',
                minimised_at BIGINT,
                is_test INTEGER NOT NULL DEFAULT 0,
                UNIQUE (event_id, school_id, device_id, rule));
            CREATE TABLE alert_events (
                school_id TEXT NOT NULL,
                device_id TEXT NOT NULL,
                event_id TEXT NOT NULL,
                alert_id TEXT NOT NULL REFERENCES alerts(alert_id),
                occurred_at BIGINT NOT NULL,
                PRIMARY KEY (event_id, school_id, device_id));
            CREATE INDEX alerts_by_school_time ON alerts(school_id, created_at);
            CREATE INDEX alerts_by_pupil ON alerts(user_login, occurred_at);
            CREATE INDEX alerts_by_school_pupil ON alerts(school_id, user_login, occurred_at);
            CREATE TABLE alert_history (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                alert_id TEXT NOT NULL REFERENCES alerts(alert_id),
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT);
            CREATE INDEX alert_history_by_alert ON alert_history(alert_id);
            """)),
        new(2, "notification outbox with claims, system alerts, digest runs", (connection, transaction) => SchemaMigrator.Execute(connection, transaction, NotificationSchema.Postgres)),
        new(3, "alert versions: every change numbered, recorded in history and relayed; insertion order", (connection, transaction) => SchemaMigrator.Execute(connection, transaction, Versions + """
            ALTER TABLE alerts ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY;
            CREATE INDEX alerts_by_seq ON alerts(seq);
            """)),
    ];

    /// <summary>
    /// Step 3, the same on both engines: <c>alerts.version</c> counts the alert's changes (1 when created); each
    /// history row that changed the alert records the version it made with the status and severity after it, and
    /// whether the Kafka relay has published it (ADR 0023). Rows written before this step have no version and are
    /// never relayed (the relay of those releases published their alerts' first version already). On PostgreSQL the
    /// step also gives alerts the insertion order SQLite's <c>rowid</c> gives (<c>seq</c>), for the console's live updates.
    /// </summary>
    private const string Versions = """
        ALTER TABLE alerts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE alert_history ADD COLUMN version INTEGER;
        ALTER TABLE alert_history ADD COLUMN status TEXT;
        ALTER TABLE alert_history ADD COLUMN severity INTEGER;
        ALTER TABLE alert_history ADD COLUMN relayed INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX alert_history_unrelayed ON alert_history(id) WHERE version IS NOT NULL AND relayed = 0;
        """;

    /// <summary>
    /// What the alert store's constructor ran before numbered migrations, unchanged: idempotent by construction.
    /// Internal so a test can make a store exactly as those releases did and check that step 1 adopts it.
    /// </summary>
    internal static void SqliteBaseline(SqliteConnection connection)
    {
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
                UNIQUE (event_id, school_id, device_id, rule));
            CREATE TABLE IF NOT EXISTS alert_events (
                school_id TEXT NOT NULL,
                device_id TEXT NOT NULL,
                event_id TEXT NOT NULL,
                alert_id TEXT NOT NULL REFERENCES alerts(alert_id),
                occurred_at INTEGER NOT NULL,
                PRIMARY KEY (event_id, school_id, device_id));
            CREATE INDEX IF NOT EXISTS alerts_by_school_time ON alerts(school_id, created_at);
            CREATE INDEX IF NOT EXISTS alerts_by_pupil ON alerts(user_login, occurred_at);
            CREATE INDEX IF NOT EXISTS alerts_by_school_pupil ON alerts(school_id, user_login, occurred_at);
            CREATE TABLE IF NOT EXISTS alert_history (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                alert_id TEXT NOT NULL REFERENCES alerts(alert_id),
                at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT);
            """);
        MigrateEventIdentity(connection);
        SqliteDatabase.EnsureColumn(connection, "alerts", "event_count", "INTEGER NOT NULL DEFAULT 1");
        SqliteDatabase.EnsureColumn(connection, "alerts", "last_event_at", "INTEGER");
        SqliteDatabase.EnsureColumn(connection, "alerts", "group_key", "TEXT");
        SqliteDatabase.EnsureColumn(connection, "alerts", "snippet", "TEXT NOT NULL DEFAULT ''");
        SqliteDatabase.EnsureColumn(connection, "alerts", "minimised_at", "INTEGER"); // Retention: pupil data removed
        SqliteDatabase.EnsureColumn(connection, "alerts", "is_test", "INTEGER NOT NULL DEFAULT 0"); // a monitoring check's alert
        NotificationSchema.Create(connection);
    }

    /// <summary>
    /// Stores before issue 12 keyed an event by its <c>eventId</c> alone, so one school's id could hide another's
    /// alert. Rebuilds <c>alerts</c> (its unique key) and <c>alert_events</c> keyed by (school, device, id), in one
    /// transaction, keeping every row and column; a store already migrated is left alone.
    /// </summary>
    private static void MigrateEventIdentity(SqliteConnection connection)
    {
        using var check = connection.CreateCommand();
        check.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'alerts'";
        var alertsSql = (string)check.ExecuteScalar()!;
        check.CommandText = "SELECT COUNT(*) FROM pragma_table_info('alert_events') WHERE name = 'school_id'";
        var eventsMigrated = (long)check.ExecuteScalar()! == 1;
        const string OldUnique = "UNIQUE (event_id, rule)";
        if (!alertsSql.Contains(OldUnique, StringComparison.Ordinal) && eventsMigrated)
        {
            return;
        }

        // Dropping the old table would fail the foreign keys of history and notifications that point at it; SQLite's
        // documented rebuild turns them off around the copy (outside the transaction: it cannot be changed inside)
        // and checks them before committing.
        SqliteDatabase.Execute(connection, "PRAGMA foreign_keys = OFF");
        try
        {
            RebuildForEventIdentity(connection, alertsSql, OldUnique, eventsMigrated);
        }
        finally
        {
            SqliteDatabase.Execute(connection, "PRAGMA foreign_keys = ON");
        }
    }

    private static void RebuildForEventIdentity(SqliteConnection connection, string alertsSql, string oldUnique, bool eventsMigrated)
    {
        using var transaction = connection.BeginTransaction();
        if (alertsSql.Contains(oldUnique, StringComparison.Ordinal))
        {
            // SQLite cannot change a table's constraint in place: the documented way is a copy under the new schema.
            var newSql = alertsSql.Replace("CREATE TABLE alerts", "CREATE TABLE alerts_v2", StringComparison.Ordinal)
                .Replace(oldUnique, "UNIQUE (event_id, school_id, device_id, rule)", StringComparison.Ordinal);
            SqliteDatabase.Execute(connection, newSql, transaction);
            SqliteDatabase.Execute(connection, "INSERT INTO alerts_v2 SELECT * FROM alerts", transaction);
            SqliteDatabase.Execute(connection, "DROP TABLE alerts", transaction);
            SqliteDatabase.Execute(connection, "ALTER TABLE alerts_v2 RENAME TO alerts", transaction);
            SqliteDatabase.Execute(connection, """
                CREATE INDEX IF NOT EXISTS alerts_by_school_time ON alerts(school_id, created_at);
                CREATE INDEX IF NOT EXISTS alerts_by_pupil ON alerts(user_login, occurred_at);
                CREATE INDEX IF NOT EXISTS alerts_by_school_pupil ON alerts(school_id, user_login, occurred_at);
                """, transaction);
        }

        if (!eventsMigrated)
        {
            // An old row names only the event id; its school and device are those of the alert it was counted in
            // (a merged event is the same pupil's, nearly always on the same device).
            SqliteDatabase.Execute(connection, """
                CREATE TABLE alert_events_v2 (
                    school_id TEXT NOT NULL,
                    device_id TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    alert_id TEXT NOT NULL REFERENCES alerts(alert_id),
                    occurred_at INTEGER NOT NULL,
                    PRIMARY KEY (event_id, school_id, device_id));
                INSERT OR IGNORE INTO alert_events_v2(school_id, device_id, event_id, alert_id, occurred_at)
                    SELECT a.school_id, a.device_id, e.event_id, e.alert_id, e.occurred_at
                    FROM alert_events e JOIN alerts a ON a.alert_id = e.alert_id;
                DROP TABLE alert_events;
                ALTER TABLE alert_events_v2 RENAME TO alert_events;
                """, transaction);
        }

        using (var check = connection.CreateCommand())
        {
            check.Transaction = transaction;
            check.CommandText = "PRAGMA foreign_key_check";
            using var reader = check.ExecuteReader();
            if (reader.Read())
            {
                throw new InvalidOperationException($"alerts.db: migrating the event identity would break a reference from table '{reader.GetString(0)}'; nothing was changed");
            }
        }

        transaction.Commit();
    }
}
