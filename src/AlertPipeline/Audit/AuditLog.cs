using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AlertPipeline.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

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
/// Who saw and did what, in <c>audit.db</c>. The application only ever inserts: there is no update or delete
/// path, and triggers make SQLite refuse one (<c>RAISE(ABORT)</c>) should anyone add it or run it by hand. Each
/// row also carries a SHA-256 chained over the previous row, so a row edited or removed outside SQLite's rules
/// (the file patched directly) breaks the chain and <see cref="Verify"/> names it.
/// </summary>
internal sealed class AuditLog
{
    private const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _clock;

    public AuditLog(IOptions<StorageOptions> options, TimeProvider clock)
    {
        var storage = options.Value;
        _database = new SqliteDatabase(Path.Combine(storage.FullDataDirectory, "audit.db"), storage.Synchronous);
        _clock = clock;
        using var connection = _database.Open();
        SqliteDatabase.Execute(connection, """
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
            """);
    }

    /// <summary>For tests that prove the triggers hold against a direct SQL statement.</summary>
    internal SqliteDatabase Database => _database;

    public void Append(string actor, string role, string action, string? alertId = null, string? schoolId = null, string? detail = null)
    {
        using var connection = _database.Open();
        // IMMEDIATE takes the write lock before reading the last hash, so two writers cannot chain off one row.
        using var transaction = connection.BeginTransaction(deferred: false);
        using var last = connection.CreateCommand();
        last.Transaction = transaction;
        last.CommandText = "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1";
        var previous = last.ExecuteScalar() as string ?? Genesis;
        var at = _clock.GetUtcNow().ToUnixTimeMilliseconds();

        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO audit_log(at, actor, role, action, alert_id, school_id, detail, hash)
            VALUES ($at, $actor, $role, $action, $alert, $school, $detail, $hash)
            """;
        insert.Parameters.AddWithValue("$at", at);
        insert.Parameters.AddWithValue("$actor", actor);
        insert.Parameters.AddWithValue("$role", role);
        insert.Parameters.AddWithValue("$action", action);
        insert.Parameters.AddWithValue("$alert", (object?)alertId ?? DBNull.Value);
        insert.Parameters.AddWithValue("$school", (object?)schoolId ?? DBNull.Value);
        insert.Parameters.AddWithValue("$detail", (object?)detail ?? DBNull.Value);
        insert.Parameters.AddWithValue("$hash", Chain(previous, at, actor, role, action, alertId, schoolId, detail));
        insert.ExecuteNonQuery();
        transaction.Commit();
    }

    public IReadOnlyList<AuditEntry> Read(string? alertId = null, int limit = 500)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT id, at, actor, role, action, alert_id, school_id, detail, hash FROM audit_log
            {(alertId is null ? "" : "WHERE alert_id = $alert")} ORDER BY id DESC LIMIT $limit
            """;
        if (alertId is not null)
        {
            command.Parameters.AddWithValue("$alert", alertId);
        }

        command.Parameters.AddWithValue("$limit", limit);
        return ReadEntries(command);
    }

    /// <summary>Rows matching <paramref name="query"/>, newest first, and how many match in all.</summary>
    public (IReadOnlyList<AuditEntry> Entries, int Total) Search(AuditQuery query)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        var where = new List<string>();
        if (query.Actor is { Length: > 0 } actor)
        {
            where.Add("actor = $actor COLLATE NOCASE");
            command.Parameters.AddWithValue("$actor", actor);
        }

        if (query.AlertIds is { } ids)
        {
            // An empty set (a pupil with no alerts) must match nothing, never everything.
            where.Add(ids.Count == 0 ? "0" : $"alert_id IN (SELECT value FROM json_each($alerts))");
            command.Parameters.AddWithValue("$alerts", System.Text.Json.JsonSerializer.Serialize(ids));
        }

        if (query.Action is { Length: > 0 } action)
        {
            where.Add("action = $action");
            command.Parameters.AddWithValue("$action", action);
        }

        if (query.From is { } from)
        {
            where.Add("at >= $from");
            command.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        }

        if (query.To is { } to)
        {
            where.Add("at < $to");
            command.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        }

        var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        command.CommandText = $"SELECT COUNT(*) FROM audit_log {filter}";
        var total = Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        command.CommandText = $"SELECT id, at, actor, role, action, alert_id, school_id, detail, hash FROM audit_log {filter} ORDER BY id DESC LIMIT $limit";
        command.Parameters.AddWithValue("$limit", query.Limit);
        return (ReadEntries(command), total);
    }

    /// <summary>The id of the first row whose chained hash does not match, or null if the whole log is intact.</summary>
    public long? Verify()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, at, actor, role, action, alert_id, school_id, detail, hash FROM audit_log ORDER BY id";
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

    private static List<AuditEntry> ReadEntries(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var result = new List<AuditEntry>();
        while (reader.Read())
        {
            result.Add(new AuditEntry(reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetString(8)));
        }

        return result;
    }

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
