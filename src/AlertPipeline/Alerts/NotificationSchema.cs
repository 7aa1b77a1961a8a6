using AlertPipeline.Storage;
using Microsoft.Data.Sqlite;

namespace AlertPipeline.Alerts;

/// <summary>
/// The outbox and system-alert tables of <c>alerts.db</c>. One row per (alert, recipient, channel, kind): the unique
/// key is what makes a replay, a restart or a second scheduler run write nothing new. Digests and system alerts are
/// about no single alert, so <c>alert_id</c> may be null; their deterministic <c>notification_id</c> is then the key.
/// </summary>
internal static class NotificationSchema
{
    // One definition for creating the table and for the v1 migration, so the two can never drift apart.
    private const string NotificationsColumns = """
        (
            notification_id TEXT PRIMARY KEY,
            alert_id TEXT REFERENCES alerts(alert_id),
            kind TEXT NOT NULL DEFAULT 'alert',
            subject TEXT,
            recipient TEXT NOT NULL,
            channel TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            last_error TEXT,
            created_at INTEGER NOT NULL,
            sent_at INTEGER,
            UNIQUE (alert_id, recipient, channel, kind))
        """;

    /// <summary>
    /// alerts.db step 2: a responder claims rows for a lease before sending them (<see cref="NotificationOutbox.Claim"/>),
    /// so a row is sent by one responder and comes back to the others if that one dies mid-batch.
    /// </summary>
    public const string SqliteClaims = """
        ALTER TABLE notifications ADD COLUMN claimed_by TEXT;
        ALTER TABLE notifications ADD COLUMN claimed_until INTEGER;
        """;

    /// <summary>PostgreSQL step 2 of the alert store: the outbox as alerts.db has it after step 2, in one step.</summary>
    public const string Postgres = """
        CREATE TABLE notifications (
            notification_id TEXT PRIMARY KEY,
            alert_id TEXT REFERENCES alerts(alert_id),
            kind TEXT NOT NULL DEFAULT 'alert',
            subject TEXT,
            recipient TEXT NOT NULL,
            channel TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at BIGINT NOT NULL,
            last_error TEXT,
            created_at BIGINT NOT NULL,
            sent_at BIGINT,
            priority INTEGER NOT NULL DEFAULT 0,
            claimed_by TEXT,
            claimed_until BIGINT,
            UNIQUE (alert_id, recipient, channel, kind));
        CREATE INDEX notifications_claim ON notifications(priority DESC, next_attempt_at) WHERE status = 'pending';
        CREATE INDEX notifications_by_alert ON notifications(alert_id);
        CREATE TABLE system_alerts (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at BIGINT NOT NULL,
            kind TEXT NOT NULL,
            school_id TEXT,
            alert_id TEXT,
            notification_id TEXT UNIQUE,
            detail TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open',
            resolved_at BIGINT,
            resolved_by TEXT);
        CREATE TABLE digest_runs (
            school_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            period_end BIGINT NOT NULL,
            PRIMARY KEY (school_id, kind, period_end));
        CREATE INDEX alerts_open_escalable ON alerts(created_at) WHERE status = 'new' AND severity >= 4;
        """;

    public static void Create(SqliteConnection connection)
    {
        MigrateFromV1(connection);
        SqliteDatabase.Execute(connection, $$"""
            CREATE TABLE IF NOT EXISTS notifications {{NotificationsColumns}};
            CREATE INDEX IF NOT EXISTS notifications_due ON notifications(status, next_attempt_at);
            CREATE INDEX IF NOT EXISTS notifications_by_alert ON notifications(alert_id);
            CREATE TABLE IF NOT EXISTS system_alerts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at INTEGER NOT NULL,
                kind TEXT NOT NULL,
                school_id TEXT,
                alert_id TEXT,
                notification_id TEXT UNIQUE,
                detail TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'open');
            CREATE TABLE IF NOT EXISTS digest_runs (
                school_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                period_end INTEGER NOT NULL,
                PRIMARY KEY (school_id, kind, period_end));
            CREATE INDEX IF NOT EXISTS alerts_open_escalable ON alerts(created_at) WHERE status = 'new' AND severity >= 4;
            """);
        // Claim order (NotificationOutbox.Due): 9 system notices, else the alert's severity (5 critical ... 1 low),
        // 0 digests. Rows written before this column existed are 0: sent in their old order after any new ones.
        SqliteDatabase.EnsureColumn(connection, "notifications", "priority", "INTEGER NOT NULL DEFAULT 0");
        SqliteDatabase.Execute(connection, "CREATE INDEX IF NOT EXISTS notifications_claim ON notifications(status, priority DESC, next_attempt_at)");
        SqliteDatabase.EnsureColumn(connection, "system_alerts", "resolved_at", "INTEGER");
        SqliteDatabase.EnsureColumn(connection, "system_alerts", "resolved_by", "TEXT");
    }

    /// <summary>
    /// Before per-channel routing the table had no <c>kind</c> and a (alert, recipient, channel) key. SQLite cannot
    /// change a table's constraints, so the table is rebuilt once; every row is kept as kind <c>alert</c>.
    /// </summary>
    private static void MigrateFromV1(SqliteConnection connection)
    {
        using var probe = connection.CreateCommand();
        probe.CommandText = "SELECT COUNT(*) FROM pragma_table_info('notifications')";
        var columns = (long)probe.ExecuteScalar()!;
        probe.CommandText = "SELECT COUNT(*) FROM pragma_table_info('notifications') WHERE name = 'kind'";
        if (columns == 0 || (long)probe.ExecuteScalar()! > 0)
        {
            return;
        }

        using var transaction = connection.BeginTransaction();
        SqliteDatabase.Execute(connection, $$"""
            ALTER TABLE notifications RENAME TO notifications_v1;
            DROP INDEX IF EXISTS notifications_due;
            CREATE TABLE notifications {{NotificationsColumns}};
            INSERT INTO notifications(notification_id, alert_id, kind, recipient, channel, status, attempts, next_attempt_at, last_error, created_at, sent_at)
                SELECT notification_id, alert_id, 'alert', recipient, channel, status, attempts, next_attempt_at, last_error, created_at, sent_at
                FROM notifications_v1;
            DROP TABLE notifications_v1;
            """, transaction);
        transaction.Commit();
    }
}
