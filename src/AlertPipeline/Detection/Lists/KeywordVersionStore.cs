using AlertPipeline.Storage;

namespace AlertPipeline.Detection.Lists;

internal sealed record KeywordVersionRecord(string Version, DateTimeOffset At, string Actor, string Reason, int Entries);

/// <summary>
/// Who changed the keyword lists, when and why (<c>system.db</c>). Every version that goes live is recorded:
/// changes made through AlertPipeline carry the user and reason; a change noticed on disk is recorded as such, so
/// the history never has a gap even when someone edits the files by hand.
/// </summary>
internal sealed class KeywordVersionStore
{
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _clock;

    public KeywordVersionStore(SystemDatabase database, TimeProvider clock)
    {
        _database = database.Database;
        _clock = clock;
        using var connection = _database.Open();
        SqliteDatabase.Execute(connection, """
            CREATE TABLE IF NOT EXISTS keyword_versions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                version TEXT NOT NULL,
                at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                reason TEXT NOT NULL,
                entries INTEGER NOT NULL);
            """);
    }

    public void Record(string version, string actor, string reason, int entries)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO keyword_versions(version, at, actor, reason, entries) VALUES ($v, $at, $actor, $reason, $n)";
        command.Parameters.AddWithValue("$v", version);
        command.Parameters.AddWithValue("$at", _clock.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$actor", actor);
        command.Parameters.AddWithValue("$reason", reason);
        command.Parameters.AddWithValue("$n", entries);
        command.ExecuteNonQuery();
    }

    /// <summary>Records the version unless it is already the latest recorded one (a restart is not a change).</summary>
    public void RecordIfNew(string version, string actor, string reason, int entries)
    {
        if (History(1) is not [{ } latest, ..] || latest.Version != version)
        {
            Record(version, actor, reason, entries);
        }
    }

    public IReadOnlyList<KeywordVersionRecord> History(int max = 1_000)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT version, at, actor, reason, entries FROM keyword_versions ORDER BY id DESC LIMIT $max";
        command.Parameters.AddWithValue("$max", max);
        using var reader = command.ExecuteReader();
        var result = new List<KeywordVersionRecord>();
        while (reader.Read())
        {
            result.Add(new KeywordVersionRecord(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                reader.GetString(2), reader.GetString(3), reader.GetInt32(4)));
        }

        return result;
    }
}
