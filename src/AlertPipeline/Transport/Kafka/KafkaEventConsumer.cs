using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using AlertPipeline.Queue;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Transport.Kafka;

/// <summary>
/// Detection's side of the Kafka transport: one long-lived consumer in the <c>Kafka:GroupId</c> group, so several
/// <c>detect</c> processes share the partitions and rebalance when one joins or dies. librdkafka auto-commits, but
/// only offsets stored with <c>StoreOffset</c>, and <see cref="CommitAsync"/> (called once the batch's alerts or dead
/// letters are durable) is the only place that stores them: at-least-once, never "committed but not processed".
/// </summary>
internal sealed partial class KafkaEventConsumer : IEventConsumer, IDisposable
{
    private readonly KafkaOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<KafkaEventConsumer> _logger;

    // Created on first read: an ingest-only process resolves the transport but must not join the detect group.
    // Keys are Ignore: detection takes the pupil from the event itself, so decoding every key would be wasted work.
    private readonly Lazy<IConsumer<Ignore, byte[]>> _consumer;

    // The next offset stored as done, per partition: what the watchdog measures lag from. Forgotten on revoke, so a
    // partition given back later is measured from the group's committed offset, not from a stale one of ours.
    private readonly ConcurrentDictionary<int, long> _done = new();

    public KafkaEventConsumer(IOptions<KafkaOptions> options, TimeProvider clock, ILogger<KafkaEventConsumer> logger)
        : this(options.Value, options.Value.GroupId, clock, logger)
    {
    }

    internal KafkaEventConsumer(KafkaOptions options, string groupId, TimeProvider clock, ILogger<KafkaEventConsumer> logger)
    {
        _options = options;
        _clock = clock;
        _logger = logger;
        _consumer = new Lazy<IConsumer<Ignore, byte[]>>(() => Create(groupId), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public ValueTask<IReadOnlyList<ConsumedEvent>> ReadAsync(int max, CancellationToken cancellationToken) =>
        // Consume blocks its thread; keep that off the caller's (the host's) thread.
        new(Task.Run<IReadOnlyList<ConsumedEvent>>(() => Read(max, cancellationToken), cancellationToken));

    public ValueTask CommitAsync(IReadOnlyList<ConsumedEvent> processed, CancellationToken cancellationToken)
    {
        foreach (var last in processed.GroupBy(e => e.Position.Partition).Select(p => p.MaxBy(e => e.Position.Offset)!))
        {
            var next = new TopicPartitionOffset(_options.Topics.Events, last.Position.Partition, last.Position.Offset + 1);
            try
            {
                _consumer.Value.StoreOffset(next);
                _done[last.Position.Partition] = next.Offset.Value;
            }
            catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_State)
            {
                // The partition was given to another consumer while we worked: it will read these records again and
                // the alert store will ignore what we already stored. Nothing is lost, nothing is duplicated.
                LogNoLongerAssigned(last.Position.Partition, last.Position.Offset);
            }
        }

        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        if (!_consumer.IsValueCreated)
        {
            return;
        }

        try
        {
            // Close commits the stored offsets and leaves the group at once, so the others rebalance now rather
            // than after a session timeout.
            _consumer.Value.Close();
        }
        catch (KafkaException ex)
        {
            LogCloseFailed(ex);
        }

        _consumer.Value.Dispose();
    }

    /// <summary>
    /// The lag of the partitions assigned to this consumer: records up to each high watermark not yet stored as done,
    /// and the sum of the done offsets (it moves when detection progresses). Null before the consumer exists or while
    /// it has no partitions. librdkafka's watermark, committed-offset and assignment calls are safe beside Consume.
    /// </summary>
    internal (int Partitions, long Records, long Done)? Lag()
    {
        if (!_consumer.IsValueCreated)
        {
            return null;
        }

        var consumer = _consumer.Value;
        var assigned = consumer.Assignment;
        if (assigned.Count == 0)
        {
            return null;
        }

        long records = 0, done = 0;
        foreach (var partition in assigned)
        {
            var marks = consumer.GetWatermarkOffsets(partition);
            if (marks.High == Offset.Unset)
            {
                // Nothing fetched from this partition yet: ask the broker.
                marks = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(5));
            }

            if (!_done.TryGetValue(partition.Partition.Value, out var next))
            {
                var committed = consumer.Committed([partition], TimeSpan.FromSeconds(5))[0].Offset;
                next = committed == Offset.Unset ? marks.Low.Value : committed.Value;
            }

            records += Math.Max(0, marks.High.Value - next);
            done += next;
        }

        return (assigned.Count, records, done);
    }

    internal static ConsumedEvent ToEvent<TKey>(ConsumeResult<TKey, byte[]> result, string topic, TimeProvider clock)
    {
        var payload = result.Message.Value ?? [];
        var acceptedAt = result.Message.Timestamp.Type == TimestampType.NotAvailable
            ? clock.GetUtcNow()
            : new DateTimeOffset(result.Message.Timestamp.UtcDateTime);
        var eventId = KafkaHeaders.Get(result.Message.Headers, KafkaHeaders.EventId)
                      ?? EventIdIn(payload)
                      ?? string.Create(CultureInfo.InvariantCulture, $"{topic}/{result.Partition.Value}@{result.Offset.Value}");
        return new ConsumedEvent(new EventPosition(result.Partition.Value, result.Offset.Value), eventId, payload, acceptedAt);
    }

    private IConsumer<Ignore, byte[]> Create(string groupId)
    {
        var config = KafkaClientConfig.Consumer(_options, groupId, KafkaClientConfig.ClientId("detect"));
        if (!_options.Client.ContainsKey("dotnet.consumer.consume.result.fields"))
        {
            // Detection reads the headers (event id) and the timestamp (latency); the topic name is known, and
            // marshalling it into a new string for every record is measurable at tens of thousands per second.
            config.ConsumeResultFields = "headers,timestamp";
        }

        var consumer = new ConsumerBuilder<Ignore, byte[]>(config)
            .SetErrorHandler((_, error) => LogClientError(error.Code, error.Reason))
            .SetPartitionsAssignedHandler((_, partitions) => LogAssigned(string.Join(",", partitions.Select(p => p.Partition.Value))))
            .SetPartitionsRevokedHandler((c, partitions) =>
            {
                LogRevoked(string.Join(",", partitions.Select(p => p.Partition.Value)));
                foreach (var p in partitions)
                {
                    _done.TryRemove(p.Partition.Value, out _);
                }

                try
                {
                    // Hand over exactly what is done: the stored offsets, committed before another consumer starts.
                    c.Commit();
                }
                catch (KafkaException ex)
                {
                    // Nothing stored since the last commit, or the group is already rebalancing. Either way the new
                    // owner starts from the last committed offset and the alert store ignores what it re-reads.
                    LogHandOverCommitFailed(ex.Error.Code);
                }
            })
            .Build();
        consumer.Subscribe(_options.Topics.Events);
        return consumer;
    }

    private List<ConsumedEvent> Read(int max, CancellationToken cancellationToken)
    {
        var consumer = _consumer.Value;
        var batch = new List<ConsumedEvent>(Math.Min(max, 1024));
        var result = ConsumeOrNull(consumer, () => consumer.Consume(cancellationToken));
        while (batch.Count == 0 || result is not null)
        {
            if (result is not null)
            {
                batch.Add(ToEvent(result, _options.Topics.Events, _clock));
                if (batch.Count >= max)
                {
                    break;
                }
            }

            // After the first record: whatever librdkafka has already fetched, without waiting for more.
            result = batch.Count == 0
                ? ConsumeOrNull(consumer, () => consumer.Consume(cancellationToken))
                : ConsumeOrNull(consumer, () => consumer.Consume(TimeSpan.Zero));
        }

        return batch;
    }

    /// <summary>
    /// Consume reports client and group errors (a rebalance in progress, a broker gone) as exceptions. Only a fatal
    /// one ends detection; the others are logged and librdkafka recovers by itself.
    /// </summary>
    private ConsumeResult<Ignore, byte[]>? ConsumeOrNull(IConsumer<Ignore, byte[]> consumer, Func<ConsumeResult<Ignore, byte[]>?> consume)
    {
        try
        {
            return consume();
        }
        catch (KafkaException ex) when (!ex.Error.IsFatal)
        {
            LogConsumeError(ex.Error.Code, ex.Error.Reason, consumer.Name);
            return null;
        }
    }

    // Records from producers other than ingest (kcat, another system) carry no ap-event-id header; a record that is
    // not JSON has no id at all, and detection dead-letters it (the position names it).
    private static string? EventIdIn(byte[] payload) => Events.DeviceEventReader.PeekEventId(payload);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka consumer: {Code} {Reason}")]
    private partial void LogClientError(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka consume error {Code} {Reason} ({Client}); retrying")]
    private partial void LogConsumeError(ErrorCode code, string reason, string client);

    [LoggerMessage(Level = LogLevel.Information, Message = "Committing stored offsets on revoke failed ({Code}); the next owner re-reads from the last commit")]
    private partial void LogHandOverCommitFailed(ErrorCode code);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka consumer assigned partitions {Partitions}")]
    private partial void LogAssigned(string partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka consumer revoked partitions {Partitions}")]
    private partial void LogRevoked(string partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition} was reassigned before offset {Offset} was stored; its new owner re-reads it")]
    private partial void LogNoLongerAssigned(int partition, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka consumer close failed; stored offsets may be re-read")]
    private partial void LogCloseFailed(Exception exception);
}
