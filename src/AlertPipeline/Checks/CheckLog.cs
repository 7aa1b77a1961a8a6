using AlertPipeline.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Checks;

/// <summary>How a check came to be in the log.</summary>
internal static class CheckKinds
{
    /// <summary>Recorded by a person in the console: what they tested by hand and what they did.</summary>
    public const string Manual = "manual";

    /// <summary>The end-to-end monitoring check (command, console button or schedule), with a step per category.</summary>
    public const string Automatic = "automatic";
}

internal static class CheckResults
{
    public const string Passed = "passed";
    public const string Failed = "failed";
    public const string Partly = "partly";

    public static readonly IReadOnlyList<string> All = [Passed, Partly, Failed];
}

/// <summary>One category of an automatic check: its synthetic event, and how far it got and how fast.</summary>
internal sealed record CheckStep(
    string Category, string EventId, string? AlertId, bool Stored, TimeSpan? StoredAfter, bool Notified, TimeSpan? NotifiedAfter, string Detail)
{
    public bool Passed => Stored && Notified;
}

/// <summary>A line of the log of checks: when, who, what was tested, the result and the action taken.</summary>
internal sealed record CheckEntry(
    long Id, string SchoolId, DateTimeOffset At, string By, string Kind, string Tested, string Result, string Action, TimeSpan? Took)
{
    public IReadOnlyList<CheckStep> Steps { get; init; } = [];
}

/// <summary>
/// The log of checks (DfE standards: keep a log of checks), in <c>checks.db</c>, owned here. Append-only by design:
/// the application offers no edit or delete, so the log stands as evidence; a correction is a new line.
/// Schema changes follow the other stores: <c>CREATE TABLE IF NOT EXISTS</c> plus <see cref="SqliteDatabase.EnsureColumn"/>.
/// </summary>
internal sealed class CheckLog
{
    private readonly SqliteDatabase _database;

    public CheckLog(IOptions<StorageOptions> options)
    {
        var storage = options.Value;
        _database = new SqliteDatabase(Path.Combine(storage.FullDataDirectory, "checks.db"), storage.Synchronous);
        using var connection = _database.Open();
        SqliteDatabase.Execute(connection, """
            CREATE TABLE IF NOT EXISTS checks (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                school_id TEXT NOT NULL,
                at INTEGER NOT NULL,
                by TEXT NOT NULL,
                kind TEXT NOT NULL,
                tested TEXT NOT NULL,
                result TEXT NOT NULL,
                action TEXT NOT NULL DEFAULT '',
                took_ms INTEGER);
            CREATE INDEX IF NOT EXISTS checks_by_school_time ON checks(school_id, at);
            CREATE TABLE IF NOT EXISTS check_steps (
                check_id INTEGER NOT NULL REFERENCES checks(id),
                category TEXT NOT NULL,
                event_id TEXT NOT NULL,
                alert_id TEXT,
                stored INTEGER NOT NULL,
                stored_ms INTEGER,
                notified INTEGER NOT NULL,
                notified_ms INTEGER,
                detail TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (check_id, category));
            """);
    }

    public SqliteDatabase Database => _database;

    /// <summary>Appends a check (and its steps) in one transaction; returns its id.</summary>
    public long Record(CheckEntry entry)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO checks(school_id, at, by, kind, tested, result, action, took_ms)
            VALUES ($school, $at, $by, $kind, $tested, $result, $action, $took) RETURNING id
            """;
        insert.Parameters.AddWithValue("$school", entry.SchoolId);
        insert.Parameters.AddWithValue("$at", entry.At.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$by", entry.By);
        insert.Parameters.AddWithValue("$kind", entry.Kind);
        insert.Parameters.AddWithValue("$tested", entry.Tested);
        insert.Parameters.AddWithValue("$result", entry.Result);
        insert.Parameters.AddWithValue("$action", entry.Action);
        insert.Parameters.AddWithValue("$took", entry.Took is { } t ? (long)t.TotalMilliseconds : DBNull.Value);
        var id = (long)insert.ExecuteScalar()!;
        using var step = connection.CreateCommand();
        step.Transaction = transaction;
        step.CommandText = """
            INSERT INTO check_steps(check_id, category, event_id, alert_id, stored, stored_ms, notified, notified_ms, detail)
            VALUES ($id, $category, $event, $alert, $stored, $storedMs, $notified, $notifiedMs, $detail)
            """;
        foreach (var s in entry.Steps)
        {
            step.Parameters.Clear();
            step.Parameters.AddWithValue("$id", id);
            step.Parameters.AddWithValue("$category", s.Category);
            step.Parameters.AddWithValue("$event", s.EventId);
            step.Parameters.AddWithValue("$alert", (object?)s.AlertId ?? DBNull.Value);
            step.Parameters.AddWithValue("$stored", s.Stored ? 1 : 0);
            step.Parameters.AddWithValue("$storedMs", s.StoredAfter is { } a ? (long)a.TotalMilliseconds : DBNull.Value);
            step.Parameters.AddWithValue("$notified", s.Notified ? 1 : 0);
            step.Parameters.AddWithValue("$notifiedMs", s.NotifiedAfter is { } b ? (long)b.TotalMilliseconds : DBNull.Value);
            step.Parameters.AddWithValue("$detail", s.Detail);
            step.ExecuteNonQuery();
        }

        transaction.Commit();
        return id;
    }

    /// <param name="schools">The schools to list; null for every school.</param>
    public IReadOnlyList<CheckEntry> List(IReadOnlyList<string>? schools, DateTimeOffset? from = null, DateTimeOffset? to = null, int limit = 200)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, school_id, at, by, kind, tested, result, action, took_ms FROM checks
            WHERE ($all = 1 OR school_id IN (SELECT value FROM json_each($schools))) AND at >= $from AND at < $to
            ORDER BY at DESC, id DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$all", schools is null ? 1 : 0);
        command.Parameters.AddWithValue("$schools", System.Text.Json.JsonSerializer.Serialize(schools ?? []));
        command.Parameters.AddWithValue("$from", (from ?? DateTimeOffset.MinValue.AddYears(1)).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$to", (to ?? DateTimeOffset.MaxValue.AddYears(-1)).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$limit", limit);
        return ReadEntries(command);
    }

    public CheckEntry? Get(long id)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, school_id, at, by, kind, tested, result, action, took_ms FROM checks WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return ReadEntries(command).FirstOrDefault() is { } entry ? entry with { Steps = Steps(connection, id) } : null;
    }

    /// <summary>When the school's last automatic check ran, for the schedule.</summary>
    public DateTimeOffset? LastAutomatic(string schoolId)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(at) FROM checks WHERE school_id = $school AND kind = 'automatic'";
        command.Parameters.AddWithValue("$school", schoolId);
        return command.ExecuteScalar() is long at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null;
    }

    /// <summary>Per school and category, the latest automatic check step before <paramref name="before"/>, with the check's time.</summary>
    public IReadOnlyList<(string SchoolId, DateTimeOffset At, long CheckId, CheckStep Step)> LatestPerCategory(IReadOnlyList<string>? schools, DateTimeOffset before)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT c.school_id, c.at, c.id, s.category, s.event_id, s.alert_id, s.stored, s.stored_ms, s.notified, s.notified_ms, s.detail
            FROM check_steps s JOIN checks c ON c.id = s.check_id
            WHERE c.kind = 'automatic' AND c.at < $before AND ($all = 1 OR c.school_id IN (SELECT value FROM json_each($schools)))
              AND c.id = (SELECT MAX(c2.id) FROM checks c2 JOIN check_steps s2 ON s2.check_id = c2.id
                          WHERE c2.school_id = c.school_id AND c2.kind = 'automatic' AND c2.at < $before AND s2.category = s.category)
            ORDER BY c.school_id, s.category
            """;
        command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$all", schools is null ? 1 : 0);
        command.Parameters.AddWithValue("$schools", System.Text.Json.JsonSerializer.Serialize(schools ?? []));
        using var reader = command.ExecuteReader();
        var result = new List<(string, DateTimeOffset, long, CheckStep)>();
        while (reader.Read())
        {
            result.Add((reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetInt64(2), ReadStep(reader, 3)));
        }

        return result;
    }

    private static List<CheckStep> Steps(SqliteConnection connection, long id)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT category, event_id, alert_id, stored, stored_ms, notified, notified_ms, detail FROM check_steps WHERE check_id = $id ORDER BY category";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        var steps = new List<CheckStep>();
        while (reader.Read())
        {
            steps.Add(ReadStep(reader, 0));
        }

        return steps;
    }

    private static CheckStep ReadStep(SqliteDataReader r, int i) => new(
        r.GetString(i), r.GetString(i + 1), r.IsDBNull(i + 2) ? null : r.GetString(i + 2),
        r.GetInt64(i + 3) != 0, r.IsDBNull(i + 4) ? null : TimeSpan.FromMilliseconds(r.GetInt64(i + 4)),
        r.GetInt64(i + 5) != 0, r.IsDBNull(i + 6) ? null : TimeSpan.FromMilliseconds(r.GetInt64(i + 6)), r.GetString(i + 7));

    private static List<CheckEntry> ReadEntries(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var result = new List<CheckEntry>();
        while (reader.Read())
        {
            result.Add(new CheckEntry(
                reader.GetInt64(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7),
                reader.IsDBNull(8) ? null : TimeSpan.FromMilliseconds(reader.GetInt64(8))));
        }

        return result;
    }
}
