using System.Globalization;
using System.Text;
using AlertPipeline.Detection;
using AlertPipeline.Queue;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Transport.Kafka;

/// <summary>
/// Poison records under Kafka: each goes to the dead-letter topic with the original payload (as the record's value
/// and in the <c>ap-original-payload</c> header, so a tool that shows only headers still sees it), the failure
/// reason and where it came from, so the partition moves on and an operator can inspect and re-publish it.
/// Returns only once the dead-letter records are acknowledged, because the worker commits the batch right after.
/// </summary>
internal sealed partial class KafkaDeadLetters(KafkaProducer producer, IOptions<KafkaOptions> options, ILogger<KafkaDeadLetters> logger)
    : IDeadLetterSink
{
    public void Add(IReadOnlyList<(ConsumedEvent Event, string Reason)> dead, DateTimeOffset now)
    {
        var topics = options.Value.Topics;
        var messages = dead.Select(d => new Message<string?, byte[]>
        {
            Key = d.Event.EventId,
            Value = d.Event.Payload.ToArray(),
            Timestamp = new Timestamp(now),
            Headers = new Headers
            {
                { KafkaHeaders.DeadLetterReason, Encoding.UTF8.GetBytes(d.Reason) },
                { KafkaHeaders.OriginalTopic, Encoding.UTF8.GetBytes(topics.Events) },
                { KafkaHeaders.OriginalPartition, Encoding.UTF8.GetBytes(d.Event.Position.Partition.ToString(CultureInfo.InvariantCulture)) },
                { KafkaHeaders.OriginalOffset, Encoding.UTF8.GetBytes(d.Event.Position.Offset.ToString(CultureInfo.InvariantCulture)) },
                { KafkaHeaders.OriginalPayload, d.Event.Payload.ToArray() },
            },
        }).ToList();

        // Detection's Process is synchronous (it is also the embedded path); blocking here is the point: the batch
        // must not be committed until these records are durable. A failure throws and the batch is retried.
        producer.ProduceAllAsync(topics.DeadLetters, messages).GetAwaiter().GetResult();
        foreach (var (e, reason) in dead)
        {
            LogDeadLetter(e.EventId, e.Position.Partition, e.Position.Offset, reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {EventId} (partition {Partition} offset {Offset}) sent to the dead-letter topic: {Reason}")]
    private partial void LogDeadLetter(string eventId, int partition, long offset, string reason);
}
