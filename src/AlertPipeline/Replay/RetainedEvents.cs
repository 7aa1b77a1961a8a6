using AlertPipeline.Queue;
using AlertPipeline.Storage;
using AlertPipeline.Transport.Kafka;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Replay;

/// <summary>Reads retained device events accepted since a time, without moving any consumer of the live pipeline.</summary>
internal static class RetainedEvents
{
    /// <summary>The embedded queue's retained rows (processed events are kept <c>Queue:RetentionDays</c>).</summary>
    public static async Task ReadEmbeddedAsync(StorageOptions storage, QueueOptions queueOptions, DateTimeOffset since, Action<ConsumedEvent> each)
    {
        var path = Path.Combine(storage.FullDataDirectory, "queue.db");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no embedded queue at {path} (is Storage:DataDirectory right, or is this a Kafka deployment?)", path);
        }

        var queue = new SqliteEventQueue(new SqliteDatabase(path, storage.Synchronous), Options.Create(queueOptions), TimeProvider.System, NullLogger<SqliteEventQueue>.Instance);
        await using (queue.ConfigureAwait(false))
        {
            var after = 0L;
            IReadOnlyList<ConsumedEvent> page;
            while ((page = queue.ReadFrom(after, 5_000)).Count > 0)
            {
                foreach (var e in page.Where(e => e.AcceptedAt >= since))
                {
                    each(e);
                }

                after = page[^1].Position.Offset;
            }
        }
    }

    /// <summary>
    /// The device-events topic from the first offset at or after <paramref name="since"/> up to the end as it is now,
    /// in a consumer group of its own that commits nothing, so the live detect group is untouched.
    /// </summary>
    public static void ReadKafka(KafkaOptions options, DateTimeOffset since, Action<ConsumedEvent> each)
    {
        var group = $"{options.GroupId}-replay-{Guid.NewGuid():N}";
        using var consumer = new ConsumerBuilder<string?, byte[]>(KafkaClientConfig.Consumer(options, group, KafkaClientConfig.ClientId("replay"))).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var topic = options.Topics.Events;
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(30)).Topics.Single();
        if (metadata.Error.IsError)
        {
            throw new InvalidOperationException($"Kafka topic '{topic}' (Kafka:Topics:Events): {metadata.Error.Reason}");
        }

        var partitions = metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var starts = StartOffsets(consumer, partitions, since);
        var marks = partitions.ToDictionary(p => p.Partition.Value, p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(30)));
        var toRead = starts.Where(s =>
        {
            var (low, high) = (marks[s.Partition.Value].Low.Value, marks[s.Partition.Value].High.Value);
            return high > low && (s.Offset == Offset.Beginning || s.Offset.Value < high);
        }).ToList();
        var remaining = toRead.Select(s => s.Partition.Value).ToHashSet();
        consumer.Assign(toRead);
        while (remaining.Count > 0)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(30))
                         ?? throw new TimeoutException($"replay: no record from Kafka for 30 s with partitions {string.Join(",", remaining)} unfinished");
            if (!remaining.Contains(result.Partition.Value))
            {
                continue; // Past the end as it was when replay started.
            }

            if (result.Message.Timestamp.UtcDateTime >= since.UtcDateTime)
            {
                each(KafkaEventConsumer.ToEvent(result, topic, TimeProvider.System));
            }

            if (result.Offset.Value + 1 >= marks[result.Partition.Value].High.Value)
            {
                remaining.Remove(result.Partition.Value);
            }
        }

        consumer.Close();
    }

    private static List<TopicPartitionOffset> StartOffsets(IConsumer<string?, byte[]> consumer, List<TopicPartition> partitions, DateTimeOffset since)
    {
        try
        {
            // "End" should mean "nothing at or after that time", but brokers without a time index (librdkafka's
            // mock cluster among them) answer End for everything. Replay is an offline check where a missed event
            // would mislead IT staff, so such partitions are read from the beginning and filtered by timestamp.
            return consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(p, new Timestamp(since))), TimeSpan.FromSeconds(30))
                .Select(o => o.Offset == Offset.End ? new TopicPartitionOffset(o.TopicPartition, Offset.Beginning) : o)
                .ToList();
        }
        catch (KafkaException)
        {
            // A broker that cannot look offsets up by time (librdkafka's mock cluster, old message formats): read
            // every retained record; the timestamp filter above still applies.
            return partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)).ToList();
        }
    }
}
