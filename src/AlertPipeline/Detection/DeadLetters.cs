using AlertPipeline.Alerts;
using AlertPipeline.Queue;

namespace AlertPipeline.Detection;

/// <summary>
/// Events that cannot be processed (a poison record) are kept here with the reason, so the stream moves on and
/// nothing is silently dropped. Stored in <c>alerts.db</c>; idempotent by event position.
/// </summary>
internal sealed partial class DeadLetters(AlertStore store, ILogger<DeadLetters> logger)
{
    public void Add(IReadOnlyList<(ConsumedEvent Event, string Reason)> dead, DateTimeOffset now)
    {
        using var connection = store.Database.Open();
        Storage.SqliteDatabase.Execute(connection, """
            CREATE TABLE IF NOT EXISTS dead_letters (
                partition_id INTEGER NOT NULL, position INTEGER NOT NULL, event_id TEXT, reason TEXT NOT NULL,
                payload BLOB NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (partition_id, position))
            """);
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO dead_letters(partition_id, position, event_id, reason, payload, at)
            VALUES ($p, $o, $id, $reason, $payload, $at) ON CONFLICT DO NOTHING
            """;
        foreach (var (e, reason) in dead)
        {
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$p", e.Position.Partition);
            command.Parameters.AddWithValue("$o", e.Position.Offset);
            command.Parameters.AddWithValue("$id", e.EventId);
            command.Parameters.AddWithValue("$reason", reason);
            command.Parameters.AddWithValue("$payload", e.Payload.ToArray());
            command.Parameters.AddWithValue("$at", now.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
            LogDeadLetter(e.EventId, reason);
        }

        transaction.Commit();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {EventId} dead-lettered: {Reason}")]
    private partial void LogDeadLetter(string eventId, string reason);
}
