using System.Data.Common;
using AlertPipeline.Storage;
using AlertPipeline.Storage.Migrations;

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
/// The log of checks (DfE standards: keep a log of checks), in <c>checks.db</c> or, with
/// <c>Storage:Provider=postgres</c>, in the trust's shared PostgreSQL, so the console, the <c>monitoring</c> command and
/// the scheduled check on any machine write one log and every annual review reads all of it (ADR 0028). Owned here.
/// Append-only: the application offers no edit or delete, so the log stands as evidence (a correction is a new line),
/// and triggers make the engine refuse an UPDATE, DELETE (and on PostgreSQL a TRUNCATE) should anyone add one or run
/// it by hand.
/// </summary>
internal sealed class CheckLog
{
    /// <summary>The name of this store's schema in <c>schema_migrations</c>.</summary>
    public const string StoreName = "checks";

    private const string EntryColumns = "id, school_id, \"at\", \"by\", kind, tested, result, action, took_ms";

    private readonly RelationalStore _store;

    public CheckLog(RelationalStores stores, TimeProvider clock)
        : this(stores.For("checks.db"), clock)
    {
    }

    public CheckLog(RelationalStore store, TimeProvider clock)
    {
        _store = store;
        SchemaVersion = store.Migrate(StoreName, SqliteSteps, PostgresSteps, clock);
    }

    public int SchemaVersion { get; }

    /// <summary>For messages (<c>migrate</c>): the file's path or <c>PostgreSQL host:port/database</c>.</summary>
    public string Describe => _store.Describe;

    /// <summary>For tests that prove the triggers hold against a direct SQL statement.</summary>
    internal RelationalStore Store => _store;

    /// <summary>
    /// Step 1 on SQLite is exactly the schema every earlier release created (it never had an added column), so their
    /// checks.db is adopted as it is; step 2 adds the append-only triggers.
    /// </summary>
    private static readonly Migration[] SqliteSteps =
    [
        new(1, "log of checks", (connection, transaction) => connection.Command("""
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
            """, transaction).Run()),
        new(2, "log of checks append-only", (connection, transaction) => connection.Command("""
            CREATE TRIGGER IF NOT EXISTS checks_no_update BEFORE UPDATE ON checks
                BEGIN SELECT RAISE(ABORT, 'the log of checks is append-only: rows cannot be changed'); END;
            CREATE TRIGGER IF NOT EXISTS checks_no_delete BEFORE DELETE ON checks
                BEGIN SELECT RAISE(ABORT, 'the log of checks is append-only: rows cannot be deleted'); END;
            CREATE TRIGGER IF NOT EXISTS check_steps_no_update BEFORE UPDATE ON check_steps
                BEGIN SELECT RAISE(ABORT, 'the log of checks is append-only: rows cannot be changed'); END;
            CREATE TRIGGER IF NOT EXISTS check_steps_no_delete BEFORE DELETE ON check_steps
                BEGIN SELECT RAISE(ABORT, 'the log of checks is append-only: rows cannot be deleted'); END;
            """, transaction).Run()),
    ];

    /// <summary>
    /// The same tables on PostgreSQL, the triggers from the start (so the version numbers match SQLite's). "at" and
    /// "by" are quoted in every statement: both are SQL key words, and quoting them is valid on both engines.
    /// </summary>
    private static readonly Migration[] PostgresSteps =
    [
        new(1, "log of checks", (connection, transaction) => connection.Command("""
            CREATE TABLE checks (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                school_id TEXT NOT NULL,
                "at" BIGINT NOT NULL,
                "by" TEXT NOT NULL,
                kind TEXT NOT NULL,
                tested TEXT NOT NULL,
                result TEXT NOT NULL,
                action TEXT NOT NULL DEFAULT '',
                took_ms BIGINT);
            CREATE INDEX checks_by_school_time ON checks(school_id, "at");
            CREATE TABLE check_steps (
                check_id BIGINT NOT NULL REFERENCES checks(id),
                category TEXT NOT NULL,
                event_id TEXT NOT NULL,
                alert_id TEXT,
                stored BIGINT NOT NULL,
                stored_ms BIGINT,
                notified BIGINT NOT NULL,
                notified_ms BIGINT,
                detail TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (check_id, category));
            """, transaction).Run()),
        new(2, "log of checks append-only", (connection, transaction) => connection.Command("""
            CREATE FUNCTION checks_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    RAISE EXCEPTION 'the log of checks is append-only: rows cannot be changed';
                END IF;
                RAISE EXCEPTION 'the log of checks is append-only: rows cannot be deleted';
            END $$;
            CREATE TRIGGER checks_no_update BEFORE UPDATE ON checks FOR EACH ROW EXECUTE FUNCTION checks_append_only();
            CREATE TRIGGER checks_no_delete BEFORE DELETE ON checks FOR EACH ROW EXECUTE FUNCTION checks_append_only();
            CREATE TRIGGER checks_no_truncate BEFORE TRUNCATE ON checks FOR EACH STATEMENT EXECUTE FUNCTION checks_append_only();
            CREATE TRIGGER check_steps_no_update BEFORE UPDATE ON check_steps FOR EACH ROW EXECUTE FUNCTION checks_append_only();
            CREATE TRIGGER check_steps_no_delete BEFORE DELETE ON check_steps FOR EACH ROW EXECUTE FUNCTION checks_append_only();
            CREATE TRIGGER check_steps_no_truncate BEFORE TRUNCATE ON check_steps FOR EACH STATEMENT EXECUTE FUNCTION checks_append_only();
            """, transaction).Run()),
    ];

    /// <summary>Appends a check (and its steps) in one transaction; returns its id.</summary>
    public long Record(CheckEntry entry)
    {
        using var connection = _store.Open();
        using var transaction = connection.BeginTransaction();
        var id = connection.Command("""
            INSERT INTO checks(school_id, "at", "by", kind, tested, result, action, took_ms)
            VALUES (@school, @at, @by, @kind, @tested, @result, @action, @took) RETURNING id
            """, transaction)
            .With("@school", entry.SchoolId).With("@at", entry.At.ToUnixTimeMilliseconds()).With("@by", entry.By).With("@kind", entry.Kind)
            .With("@tested", entry.Tested).With("@result", entry.Result).With("@action", entry.Action).With("@took", Milliseconds(entry.Took))
            .Long();
        foreach (var s in entry.Steps)
        {
            connection.Command("""
                INSERT INTO check_steps(check_id, category, event_id, alert_id, stored, stored_ms, notified, notified_ms, detail)
                VALUES (@id, @category, @event, @alert, @stored, @storedMs, @notified, @notifiedMs, @detail)
                """, transaction)
                .With("@id", id).With("@category", s.Category).With("@event", s.EventId).With("@alert", s.AlertId)
                .With("@stored", s.Stored ? 1L : 0L).With("@storedMs", Milliseconds(s.StoredAfter))
                .With("@notified", s.Notified ? 1L : 0L).With("@notifiedMs", Milliseconds(s.NotifiedAfter)).With("@detail", s.Detail)
                .Run();
        }

        transaction.Commit();
        return id;
    }

    /// <param name="schools">The schools to list; null for every school.</param>
    public IReadOnlyList<CheckEntry> List(IReadOnlyList<string>? schools, DateTimeOffset? from = null, DateTimeOffset? to = null, int limit = 200)
    {
        using var connection = _store.Open();
        var command = connection.Command($"""
            SELECT {EntryColumns} FROM checks
            WHERE {SchoolFilter("school_id", schools)} AND "at" >= @from AND "at" < @to
            ORDER BY "at" DESC, id DESC LIMIT @limit
            """)
            .With("@from", (from ?? DateTimeOffset.MinValue.AddYears(1)).ToUnixTimeMilliseconds())
            .With("@to", (to ?? DateTimeOffset.MaxValue.AddYears(-1)).ToUnixTimeMilliseconds())
            .With("@limit", (long)limit);
        return WithSchools(command, schools).Rows(ReadEntry);
    }

    public CheckEntry? Get(long id)
    {
        using var connection = _store.Open();
        return connection.Command($"SELECT {EntryColumns} FROM checks WHERE id = @id").With("@id", id).Rows(ReadEntry).FirstOrDefault() is { } entry
            ? entry with { Steps = Steps(connection, id) }
            : null;
    }

    /// <summary>When the school's last automatic check ran, for the schedule.</summary>
    public DateTimeOffset? LastAutomatic(string schoolId)
    {
        using var connection = _store.Open();
        var at = connection.Command("SELECT MAX(\"at\") FROM checks WHERE school_id = @school AND kind = 'automatic'")
            .With("@school", schoolId).Rows(r => r.NullableLong(0)).Single();
        return at is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    /// <summary>Per school and category, the latest automatic check step before <paramref name="before"/>, with the check's time.</summary>
    public IReadOnlyList<(string SchoolId, DateTimeOffset At, long CheckId, CheckStep Step)> LatestPerCategory(IReadOnlyList<string>? schools, DateTimeOffset before)
    {
        using var connection = _store.Open();
        var command = connection.Command($"""
            SELECT c.school_id, c."at", c.id, s.category, s.event_id, s.alert_id, s.stored, s.stored_ms, s.notified, s.notified_ms, s.detail
            FROM check_steps s JOIN checks c ON c.id = s.check_id
            WHERE c.kind = 'automatic' AND c."at" < @before AND {SchoolFilter("c.school_id", schools)}
              AND c.id = (SELECT MAX(c2.id) FROM checks c2 JOIN check_steps s2 ON s2.check_id = c2.id
                          WHERE c2.school_id = c.school_id AND c2.kind = 'automatic' AND c2."at" < @before AND s2.category = s.category)
            ORDER BY c.school_id, s.category
            """).With("@before", before.ToUnixTimeMilliseconds());
        return WithSchools(command, schools)
            .Rows(r => (r.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), r.GetInt64(2), ReadStep(r, 3)));
    }

    // A trust's schools are tens, so one parameter each is plain SQL on both engines (no JSON function differs).
    private static string SchoolFilter(string column, IReadOnlyList<string>? schools) => schools switch
    {
        null => "1 = 1",
        [] => "1 = 0",
        _ => $"{column} IN ({string.Join(", ", schools.Select((_, i) => "@school" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))})",
    };

    private static DbCommand WithSchools(DbCommand command, IReadOnlyList<string>? schools)
    {
        for (var i = 0; i < (schools?.Count ?? 0); i++)
        {
            command.With("@school" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), schools![i]);
        }

        return command;
    }

    private static long? Milliseconds(TimeSpan? t) => t is { } v ? (long)v.TotalMilliseconds : null;

    private static TimeSpan? Span(long? milliseconds) => milliseconds is { } ms ? TimeSpan.FromMilliseconds(ms) : null;

    private static List<CheckStep> Steps(DbConnection connection, long id) =>
        connection.Command("SELECT category, event_id, alert_id, stored, stored_ms, notified, notified_ms, detail FROM check_steps WHERE check_id = @id ORDER BY category")
            .With("@id", id).Rows(r => ReadStep(r, 0));

    private static CheckStep ReadStep(DbDataReader r, int i) => new(
        r.GetString(i), r.GetString(i + 1), r.NullableString(i + 2),
        r.GetInt64(i + 3) != 0, Span(r.NullableLong(i + 4)),
        r.GetInt64(i + 5) != 0, Span(r.NullableLong(i + 6)), r.GetString(i + 7));

    private static CheckEntry ReadEntry(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)), r.GetString(3),
        r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7), Span(r.NullableLong(8)));
}
