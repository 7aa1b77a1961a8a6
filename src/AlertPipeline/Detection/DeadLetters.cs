using System.Globalization;
using System.Security.Cryptography;
using AlertPipeline.Alerts;
using AlertPipeline.Queue;
using Microsoft.Data.Sqlite;

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
/// A dead letter's size is bounded, whatever the event: at most <see cref="MaxPayloadBytes"/> of the payload (once,
/// never twice) and <see cref="MaxReasonLength"/> characters of reason. A larger payload is cut, and its SHA-256 and
/// length say what it was; the full event stays where it came from (queue or topic) while retained, and replay
/// reads it there. Before this, a 0.5 MB Kafka record's dead letter carried the payload twice, the broker refused
/// it as too large, and detection retried it for ever.
/// </summary>
internal readonly record struct BoundedPayload(byte[] Bytes, string Sha256, int OriginalBytes, bool Truncated)
{
    public const int MaxPayloadBytes = 64 * 1024;
    public const int MaxReasonLength = 1_000;

    public static BoundedPayload Of(ReadOnlyMemory<byte> payload)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(payload.Span));
        var truncated = payload.Length > MaxPayloadBytes;
        return new(truncated ? payload[..MaxPayloadBytes].ToArray() : payload.ToArray(), sha, payload.Length, truncated);
    }

    public static string Reason(string reason) =>
        reason.Length <= MaxReasonLength ? reason : string.Concat(reason.AsSpan(0, MaxReasonLength - 1), "…");
}

/// <summary>One dead letter as listed (never its payload: IT may not see pupils' text).</summary>
internal sealed record DeadLetter(int Partition, long Position, string? EventId, string Reason, DateTimeOffset At, int PayloadBytes, bool Truncated, string? Sha256)
{
    /// <summary>The id the CLI takes: partition:position.</summary>
    public string Id => string.Create(CultureInfo.InvariantCulture, $"{Partition}:{Position}");
}

/// <summary>
/// The embedded transport's dead letters: kept in <c>alerts.db</c> with the reason; idempotent by event position.
/// (Under Kafka they go to the dead-letter topic instead: <c>Transport/Kafka/KafkaDeadLetters</c>.) The one owner
/// of the <c>dead_letters</c> table: the worker adds, the CLI and the console list, replay and drop through here.
/// </summary>
internal sealed partial class DeadLetters(AlertStore store, ILogger<DeadLetters> logger) : IDeadLetterSink
{
    private int _schemaReady;

    public void Add(IReadOnlyList<(ConsumedEvent Event, string Reason)> dead, DateTimeOffset now)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO dead_letters(partition_id, position, event_id, reason, payload, at, payload_bytes, payload_sha256, truncated)
            VALUES ($p, $o, $id, $reason, $payload, $at, $bytes, $sha, $truncated) ON CONFLICT DO NOTHING
            """;
        foreach (var (e, reason) in dead)
        {
            var payload = BoundedPayload.Of(e.Payload);
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$p", e.Position.Partition);
            command.Parameters.AddWithValue("$o", e.Position.Offset);
            command.Parameters.AddWithValue("$id", e.EventId);
            command.Parameters.AddWithValue("$reason", BoundedPayload.Reason(reason));
            command.Parameters.AddWithValue("$payload", payload.Bytes);
            command.Parameters.AddWithValue("$at", now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$bytes", payload.OriginalBytes);
            command.Parameters.AddWithValue("$sha", payload.Sha256);
            command.Parameters.AddWithValue("$truncated", payload.Truncated ? 1 : 0);
            command.ExecuteNonQuery();
            LogDeadLetter(e.EventId, reason);
        }

        transaction.Commit();
    }

    public IReadOnlyList<DeadLetter> List(int limit = 1_000)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT partition_id, position, event_id, reason, at, COALESCE(payload_bytes, length(payload)), COALESCE(truncated, 0), payload_sha256
            FROM dead_letters ORDER BY at DESC, position DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var result = new List<DeadLetter>();
        while (reader.Read())
        {
            result.Add(new DeadLetter(reader.GetInt32(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetInt32(5), reader.GetInt64(6) == 1,
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return result;
    }

    /// <summary>
    /// How many dead letters there are, and how many of each kind of reason: the reason up to its first ':' or quote,
    /// so "occurredAt '0001-…' is outside…" and "occurredAt '2099-…'" count as one kind, "occurredAt".
    /// </summary>
    public (int Total, IReadOnlyList<(string Reason, int Count)> ByReason) Summary()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT reason, COUNT(*) FROM dead_letters GROUP BY reason";
        using var reader = command.ExecuteReader();
        var byKind = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read())
        {
            var kind = KindOf(reader.GetString(0));
            byKind[kind] = byKind.GetValueOrDefault(kind) + reader.GetInt32(1);
        }

        return (byKind.Values.Sum(), byKind.OrderByDescending(k => k.Value).ThenBy(k => k.Key, StringComparer.Ordinal).Take(20).Select(k => (k.Key, k.Value)).ToList());
    }

    internal static string KindOf(string reason)
    {
        var end = reason.AsSpan().IndexOfAny(':', '\'');
        return (end < 0 ? reason : reason[..end]).Trim();
    }

    /// <summary>The stored payload (possibly cut) of one dead letter, or null if there is none.</summary>
    public (byte[] Payload, bool Truncated)? Payload(int partition, long position)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload, COALESCE(truncated, 0) FROM dead_letters WHERE partition_id = $p AND position = $o";
        command.Parameters.AddWithValue("$p", partition);
        command.Parameters.AddWithValue("$o", position);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ((byte[])reader.GetValue(0), reader.GetInt64(1) == 1) : null;
    }

    public bool Drop(int partition, long position)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM dead_letters WHERE partition_id = $p AND position = $o";
        command.Parameters.AddWithValue("$p", partition);
        command.Parameters.AddWithValue("$o", position);
        return command.ExecuteNonQuery() == 1;
    }

    private SqliteConnection Open()
    {
        var connection = store.Database.Open();
        if (Volatile.Read(ref _schemaReady) == 0)
        {
            Storage.SqliteDatabase.Execute(connection, """
                CREATE TABLE IF NOT EXISTS dead_letters (
                    partition_id INTEGER NOT NULL, position INTEGER NOT NULL, event_id TEXT, reason TEXT NOT NULL,
                    payload BLOB NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (partition_id, position))
                """);

            // Added by issue 12 (bounded dead letters); older rows hold their whole payload.
            Storage.SqliteDatabase.EnsureColumn(connection, "dead_letters", "payload_bytes", "INTEGER");
            Storage.SqliteDatabase.EnsureColumn(connection, "dead_letters", "payload_sha256", "TEXT");
            Storage.SqliteDatabase.EnsureColumn(connection, "dead_letters", "truncated", "INTEGER NOT NULL DEFAULT 0");
            Volatile.Write(ref _schemaReady, 1);
        }

        return connection;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {EventId} dead-lettered: {Reason}")]
    private partial void LogDeadLetter(string eventId, string reason);
}
