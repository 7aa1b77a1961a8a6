using System.Globalization;
using System.Text.Json;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Storage;
using Confluent.Kafka;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Transport.Kafka;

/// <summary>
/// Publishes every stored alert to the alerts topic for downstream systems (a trust's case-management tool, kcat).
/// The alert store is the outbox: the relay follows <c>alerts</c> in insertion order (rowid; SQLite has one writer at
/// a time, so rowids become visible in order) and advances its cursor only after the records are acknowledged. A
/// crash re-publishes at most one batch: at-least-once, keyed by alert id so consumers can dedupe.
/// <para>
/// Data minimisation: the record names the alert, pupil, school, categories and severity, never the captured text;
/// that stays in the alert store behind the console's access rules.
/// </para>
/// </summary>
internal sealed partial class KafkaAlertRelay(
    AlertStore store,
    KafkaProducer producer,
    IOptions<KafkaOptions> options,
    TimeProvider clock,
    ILogger<KafkaAlertRelay> logger) : BackgroundService
{
    private const int BatchSize = 500;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var topic = options.Value.Topics.Alerts;
        using (var connection = store.Database.Open())
        {
            SqliteDatabase.Execute(connection, "CREATE TABLE IF NOT EXISTS kafka_relay (topic TEXT PRIMARY KEY, position INTEGER NOT NULL)");
        }

        // The wake-up interval bounds how stale the topic is; publishing itself is batched.
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), clock);
        do
        {
            try
            {
                while (await RelayBatchAsync(topic).ConfigureAwait(false) == BatchSize)
                {
                    stoppingToken.ThrowIfCancellationRequested();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Broker down or database busy: the cursor did not move; try again on the next tick.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogRelayFailed(ex);
            }
        }
        while (await timer.NextTickOrStopAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task<int> RelayBatchAsync(string topic)
    {
        long cursor;
        var rows = new List<(long RowId, Message<string?, byte[]> Message)>();
        using (var connection = store.Database.Open())
        {
            cursor = Scalar(connection, "SELECT COALESCE((SELECT position FROM kafka_relay WHERE topic = $topic), 0)", topic);
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT rowid, alert_id, event_id, rule, school_id, device_id, user_login, occurred_at, source, categories,
                       severity, list_version, created_at
                FROM alerts WHERE rowid > $after ORDER BY rowid LIMIT $limit
                """;
            command.Parameters.AddWithValue("$after", cursor);
            command.Parameters.AddWithValue("$limit", BatchSize);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var alertId = reader.GetString(1);
                var record = new
                {
                    alertId,
                    eventId = reader.GetString(2),
                    rule = reader.GetString(3),
                    schoolId = reader.GetString(4),
                    deviceId = reader.GetString(5),
                    userLogin = reader.GetString(6),
                    occurredAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                    source = reader.GetString(8),
                    categories = JsonSerializer.Deserialize<List<string>>(reader.GetString(9), Json),
                    severity = ((Severity)reader.GetInt32(10)).ToName(),
                    listVersion = reader.GetString(11),
                    createdAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(12)),
                };
                rows.Add((reader.GetInt64(0), new Message<string?, byte[]>
                {
                    Key = alertId,
                    Value = JsonSerializer.SerializeToUtf8Bytes(record, Json),
                    Headers = new Headers { { KafkaHeaders.Schema, "1"u8.ToArray() } },
                }));
            }
        }

        if (rows.Count == 0)
        {
            return 0;
        }

        await producer.ProduceAllAsync(topic, rows.Select(r => r.Message).ToList()).ConfigureAwait(false);
        using (var connection = store.Database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                INSERT INTO kafka_relay(topic, position) VALUES ($topic, $position)
                ON CONFLICT(topic) DO UPDATE SET position = MAX(position, excluded.position)
                """;
            command.Parameters.AddWithValue("$topic", topic);
            command.Parameters.AddWithValue("$position", rows[^1].RowId);
            command.ExecuteNonQuery();
        }

        LogRelayed(rows.Count, topic);
        return rows.Count;
    }

    private static long Scalar(SqliteConnection connection, string sql, string topic)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$topic", topic);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Published {Count} alerts to {Topic}")]
    private partial void LogRelayed(int count, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing alerts to Kafka failed; retrying from the same alert")]
    private partial void LogRelayFailed(Exception exception);
}
