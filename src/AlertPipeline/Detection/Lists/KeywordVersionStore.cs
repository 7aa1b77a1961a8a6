using AlertPipeline.Storage;
using AlertPipeline.Storage.Migrations;

namespace AlertPipeline.Detection.Lists;

internal sealed record KeywordVersionRecord(string Version, DateTimeOffset At, string Actor, string Reason, int Entries);

/// <summary>
/// Who changed the keyword lists, when and why: <c>system.db</c> on the embedded default, the trust's PostgreSQL with
/// <c>Storage:Provider=postgres</c>, where the latest version recorded is the one every detect process mirrors
/// (<see cref="DetectorHolder"/>). Every version that goes live is recorded: changes made through AlertPipeline carry
/// the user and reason; a change noticed on disk is recorded as such, so the history never has a gap even when someone
/// edits the files by hand.
/// </summary>
internal sealed class KeywordVersionStore
{
    public const string StoreName = "keyword-versions";

    private readonly RelationalStore _store;
    private readonly TimeProvider _clock;

    public KeywordVersionStore(RelationalStores stores, TimeProvider clock)
        : this(stores.For("system.db"), clock)
    {
    }

    public KeywordVersionStore(RelationalStore store, TimeProvider clock)
    {
        _store = store;
        _clock = clock;
        SchemaVersion = store.Migrate(StoreName, SqliteSteps, PostgresSteps, clock);
    }

    public int SchemaVersion { get; }

    public bool IsShared => _store.IsPostgres;

    /// <summary>Step 1 adopts the table as earlier releases created it in <c>system.db</c>, rows and all.</summary>
    private static readonly Migration[] SqliteSteps =
    [
        new(1, "keyword versions", (connection, transaction) => connection.Command("""
            CREATE TABLE IF NOT EXISTS keyword_versions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                version TEXT NOT NULL,
                at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                reason TEXT NOT NULL,
                entries INTEGER NOT NULL)
            """, transaction).Run()),
    ];

    private static readonly Migration[] PostgresSteps =
    [
        new(1, "keyword versions", (connection, transaction) => connection.Command("""
            CREATE TABLE IF NOT EXISTS keyword_versions (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                version TEXT NOT NULL,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                reason TEXT NOT NULL,
                entries INTEGER NOT NULL)
            """, transaction).Run()),
    ];

    public void Record(string version, string actor, string reason, int entries)
    {
        using var connection = _store.Open();
        Insert(connection, null, version, actor, reason, entries);
    }

    /// <summary>
    /// Records the version unless it is already the latest recorded one (a restart is not a change). Checked and
    /// written in one write transaction, so two processes noticing the same version at once record it once.
    /// </summary>
    public bool RecordIfNew(string version, string actor, string reason, int entries)
    {
        using var connection = _store.Open();
        using var transaction = connection.BeginWrite();
        if (_store.IsPostgres)
        {
            // The table has no row to lock before its first version: one lock per store serialises the decision.
            connection.Command("SELECT pg_advisory_xact_lock(hashtext('keyword_versions'))", transaction).Run();
        }

        var latest = connection.Command("SELECT version FROM keyword_versions ORDER BY id DESC LIMIT 1", transaction)
            .Rows(r => r.GetString(0)).FirstOrDefault();
        if (latest == version)
        {
            return false;
        }

        Insert(connection, transaction, version, actor, reason, entries);
        transaction.Commit();
        return true;
    }

    private void Insert(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string version, string actor, string reason, int entries) =>
        connection.Command("INSERT INTO keyword_versions(version, at, actor, reason, entries) VALUES (@v, @at, @actor, @reason, @n)", transaction)
            .With("@v", version).With("@at", _clock.GetUtcNow().ToUnixTimeMilliseconds()).With("@actor", actor)
            .With("@reason", reason).With("@n", entries).Run();

    /// <summary>The latest version recorded: on PostgreSQL, the trust's lists in force.</summary>
    public string? Latest()
    {
        using var connection = _store.Open();
        return connection.Command("SELECT version FROM keyword_versions ORDER BY id DESC LIMIT 1").Rows(r => r.GetString(0)).FirstOrDefault();
    }

    public IReadOnlyList<KeywordVersionRecord> History(int max = 1_000)
    {
        using var connection = _store.Open();
        return connection.Command("SELECT version, at, actor, reason, entries FROM keyword_versions ORDER BY id DESC LIMIT @max")
            .With("@max", max)
            .Rows(r => new KeywordVersionRecord(r.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)),
                r.GetString(2), r.GetString(3), Convert.ToInt32(r.GetValue(4), System.Globalization.CultureInfo.InvariantCulture)));
    }
}
