using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AlertPipeline.Storage;
using System.Data.Common;
using AlertPipeline.Storage.Migrations;

namespace AlertPipeline.Audit;

/// <summary>What was audited. Views of pupil data and every change a person makes.</summary>
internal static class AuditActions
{
    public const string ViewAlert = "view-alert";
    public const string ViewScreenshot = "view-screenshot";
    public const string ViewActivity = "view-activity";
    public const string ViewAudit = "view-audit";
    public const string ExportAlert = "export-alert";
    public const string ExportReport = "export-report";
    public const string Triage = "triage";
    public const string SignIn = "sign-in";
    public const string SignInFailed = "sign-in-failed";
    public const string SignOut = "sign-out";
    public const string PasswordChanged = "password-changed";
    public const string KeywordChange = "keyword-change";
    public const string AccountChange = "account-change";
    public const string Retention = "retention";
    public const string Backup = "backup";
    public const string ApiKeyChange = "api-key-change";
    public const string SystemAlertChange = "system-alert-change";
    public const string MonitoringCheck = "monitoring-check";
    public const string CheckRecorded = "check-recorded";
    public const string RiskProfileChange = "risk-profile-change";
}

/// <summary>
/// Who a command-line change is recorded as. The CLI has no sign-in: the person named by <c>--by</c> (when the
/// command takes one) is who the school holds responsible and is the actor; the operating-system account that ran
/// it is added to the detail. Without <c>--by</c> the actor is <c>cli:</c> and that account, as for <c>users add</c>.
/// </summary>
internal static class CliActor
{
    public const string Role = "cli";

    public static string Name(string? by) => by ?? "cli:" + Environment.UserName;

    public static string Detail(string? by, string detail) => by is null ? detail : $"{detail} [cli as {Environment.UserName}]";
}

/// <summary>Which audit rows to read; empty fields do not filter. <see cref="AlertIds"/> null: any alert.</summary>
internal sealed record AuditQuery(
    string? Actor = null,
    IReadOnlyCollection<string>? AlertIds = null,
    string? Action = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    int Limit = 500);

internal sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Role, string Action, string? AlertId, string? SchoolId, string? Detail, string Hash);

/// <summary>
/// Who saw and did what, in <c>audit.db</c> or, with <c>Storage:Provider=postgres</c>, in the trust's shared
/// PostgreSQL, so every console, responder and command on any machine writes one log (ADR 0024). The application only
/// ever inserts: there is no update or delete path, and triggers make the engine refuse one (SQLite's
/// <c>RAISE(ABORT)</c>, a PL/pgSQL trigger that raises, also on TRUNCATE) should anyone add it or run it by hand. Each
/// row also carries a SHA-256 chained over the previous row, so a row edited or removed behind the triggers (the file
/// patched directly, the trigger dropped by a superuser) breaks the chain and <see cref="Verify"/> names it.
/// </summary>
internal sealed class AuditLog
{
    private const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>The name of this store's schema in <c>schema_migrations</c>.</summary>
    public const string StoreName = "audit";

    private const string Columns = "id, at, actor, role, action, alert_id, school_id, detail, hash";

    private readonly RelationalStore _store;
    private readonly TimeProvider _clock;

    public AuditLog(RelationalStores stores, TimeProvider clock)
        : this(stores.For("audit.db"), clock)
    {
    }

    public AuditLog(RelationalStore store, TimeProvider clock)
    {
        _store = store;
        _clock = clock;
        SchemaVersion = store.Migrate(StoreName, SqliteSteps, PostgresSteps, clock);
    }

    public int SchemaVersion { get; }

    /// <summary>For tests that prove the triggers hold against a direct SQL statement.</summary>
    internal RelationalStore Store => _store;

    /// <summary>Step 1 on SQLite is exactly the schema every earlier release created, so their audit.db is adopted as it is.</summary>
    private static readonly Migration[] SqliteSteps =
    [
        new(1, "append-only audit log", (connection, transaction) => connection.Command("""
            CREATE TABLE IF NOT EXISTS audit_log (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                role TEXT NOT NULL,
                action TEXT NOT NULL,
                alert_id TEXT,
                school_id TEXT,
                detail TEXT,
                hash TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS audit_by_alert ON audit_log(alert_id, id);
            CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be changed'); END;
            CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be deleted'); END;
            """, transaction).Run()),
    ];

    private static readonly Migration[] PostgresSteps =
    [
        new(1, "append-only audit log", (connection, transaction) => connection.Command("""
            CREATE TABLE audit_log (
                id BIGINT PRIMARY KEY,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                role TEXT NOT NULL,
                action TEXT NOT NULL,
                alert_id TEXT,
                school_id TEXT,
                detail TEXT,
                hash TEXT NOT NULL);
            CREATE INDEX audit_by_alert ON audit_log(alert_id, id);
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    RAISE EXCEPTION 'the audit log is append-only: rows cannot be changed';
                END IF;
                RAISE EXCEPTION 'the audit log is append-only: rows cannot be deleted';
            END $$;
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
            CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
            CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
            """, transaction).Run()),
    ];

    public void Append(string actor, string role, string action, string? alertId = null, string? schoolId = null, string? detail = null)
    {
        using var connection = _store.Open();
        // SQLite: Microsoft.Data.Sqlite begins IMMEDIATE, which takes the write lock before the last hash is read.
        // PostgreSQL: the same by an EXCLUSIVE table lock (readers go on), so two writers on any machines never chain
        // off one row; the id is the last one + 1 under that lock, because a sequence leaves gaps on rollback and a
        // gap is how Verify sees a removed row.
        using var transaction = connection.BeginTransaction();
        if (_store.IsPostgres)
        {
            connection.Command("LOCK TABLE audit_log IN EXCLUSIVE MODE", transaction).Run();
        }

        var last = connection.Command("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", transaction)
            .Rows(r => (Id: r.GetInt64(0), Hash: r.GetString(1))).FirstOrDefault();
        var previous = last.Hash ?? Genesis;
        var at = _clock.GetUtcNow().ToUnixTimeMilliseconds();

        // SQLite keeps AUTOINCREMENT (it never reuses an id, also of a row removed at the end of the log).
        connection.Command(_store.IsPostgres
                ? "INSERT INTO audit_log(id, at, actor, role, action, alert_id, school_id, detail, hash) VALUES (@id, @at, @actor, @role, @action, @alert, @school, @detail, @hash)"
                : "INSERT INTO audit_log(at, actor, role, action, alert_id, school_id, detail, hash) VALUES (@at, @actor, @role, @action, @alert, @school, @detail, @hash)",
                transaction)
            .With("@id", last.Id + 1).With("@at", at).With("@actor", actor).With("@role", role).With("@action", action)
            .With("@alert", alertId).With("@school", schoolId).With("@detail", detail)
            .With("@hash", Chain(previous, at, actor, role, action, alertId, schoolId, detail))
            .Run();
        transaction.Commit();
    }

    public IReadOnlyList<AuditEntry> Read(string? alertId = null, int limit = 500)
    {
        using var connection = _store.Open();
        var command = connection.Command($"""
            SELECT {Columns} FROM audit_log
            {(alertId is null ? "" : "WHERE alert_id = @alert")} ORDER BY id DESC LIMIT @limit
            """).With("@limit", (long)limit);
        return ReadEntries(alertId is null ? command : command.With("@alert", alertId));
    }

    /// <summary>Rows matching <paramref name="query"/>, newest first, and how many match in all.</summary>
    public (IReadOnlyList<AuditEntry> Entries, int Total) Search(AuditQuery query)
    {
        var where = new List<string>();
        var parameters = new List<(string Name, object? Value)>();
        if (query.Actor is { Length: > 0 } actor)
        {
            // Case-insensitive on both engines (SQLite's NOCASE did this before; PostgreSQL compares exactly).
            where.Add("lower(actor) = lower(@actor)");
            parameters.Add(("@actor", actor));
        }

        if (query.AlertIds is { } ids)
        {
            // An empty set (a pupil with no alerts) must match nothing, never everything.
            var names = ids.Select((id, i) => $"@a{i.ToString(CultureInfo.InvariantCulture)}").ToList();
            where.Add(ids.Count == 0 ? "1 = 0" : $"alert_id IN ({string.Join(", ", names)})");
            parameters.AddRange(names.Zip(ids, (name, id) => (name, (object?)id)));
        }

        if (query.Action is { Length: > 0 } action)
        {
            where.Add("action = @action");
            parameters.Add(("@action", action));
        }

        if (query.From is { } from)
        {
            where.Add("at >= @from");
            parameters.Add(("@from", from.ToUnixTimeMilliseconds()));
        }

        if (query.To is { } to)
        {
            where.Add("at < @to");
            parameters.Add(("@to", to.ToUnixTimeMilliseconds()));
        }

        var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        using var connection = _store.Open();
        DbCommand Command(string sql)
        {
            var command = connection.Command(sql);
            foreach (var (name, value) in parameters)
            {
                command.With(name, value);
            }

            return command;
        }

        var total = (int)Command($"SELECT COUNT(*) FROM audit_log {filter}").Long();
        var entries = ReadEntries(Command($"SELECT {Columns} FROM audit_log {filter} ORDER BY id DESC LIMIT @limit").With("@limit", (long)query.Limit));
        return (entries, total);
    }

    /// <summary>The id of the first row whose chained hash does not match, or null if the whole log is intact.</summary>
    public long? Verify()
    {
        using var connection = _store.Open();
        var command = connection.Command($"SELECT {Columns} FROM audit_log ORDER BY id");
        var previous = Genesis;
        long expectedId = 1;
        foreach (var e in ReadEntries(command))
        {
            // A gap in the ids means a row was removed (AUTOINCREMENT never reuses or skips on a plain insert).
            if (e.Id != expectedId || e.Hash != Chain(previous, e.At.ToUnixTimeMilliseconds(), e.Actor, e.Role, e.Action, e.AlertId, e.SchoolId, e.Detail))
            {
                return e.Id;
            }

            previous = e.Hash;
            expectedId++;
        }

        return null;
    }

    private static List<AuditEntry> ReadEntries(DbCommand command) =>
        command.Rows(r => new AuditEntry(r.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)),
            r.GetString(2), r.GetString(3), r.GetString(4), r.NullableString(5), r.NullableString(6), r.NullableString(7), r.GetString(8)));

    private static string Chain(string previous, long at, string actor, string role, string action, string? alertId, string? schoolId, string? detail)
    {
        // Length-prefixed fields, so ("ab","c") and ("a","bc") cannot hash alike.
        var text = new StringBuilder(previous);
        foreach (var field in new[] { at.ToString(CultureInfo.InvariantCulture), actor, role, action, alertId ?? "\0", schoolId ?? "\0", detail ?? "\0" })
        {
            text.Append(CultureInfo.InvariantCulture, $"|{field.Length}:{field}");
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
