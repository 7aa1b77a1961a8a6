using AlertPipeline.Alerts;
using AlertPipeline.Queue;

namespace AlertPipeline.Detection;

/// <summary>
/// Where detection puts events it cannot process (a poison record), so the stream moves on and nothing is silently
/// dropped. <see cref="Add"/> returns only once the dead letters are durable: the worker commits the batch after it.
/// </summary>
internal interface IDeadLetterSink
{
    void Add(IReadOnlyList<(ConsumedEvent Event, string Reason)> dead, DateTimeOffset now);
}

/// <summary>
/// The embedded transport's dead letters: kept in <c>alerts.db</c> with the reason; idempotent by event position.
/// (Under Kafka they go to the dead-letter topic instead: <c>Transport/Kafka/KafkaDeadLetters</c>.)
/// </summary>
internal sealed partial class DeadLetters(AlertStore store, ILogger<DeadLetters> logger) : IDeadLetterSink
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
