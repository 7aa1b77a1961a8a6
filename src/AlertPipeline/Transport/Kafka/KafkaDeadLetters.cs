using System.Globalization;
using System.Text;
using AlertPipeline.Detection;
using AlertPipeline.Queue;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Transport.Kafka;

/// <summary>
/// Poison records under Kafka: each goes to the dead-letter topic with the payload once, as the record's value, cut
/// to <see cref="BoundedPayload.MaxPayloadBytes"/> with its SHA-256 and length in headers (the whole record stays on
/// the events topic at the original partition and offset, also in headers), and the failure reason, so the
/// partition moves on and an operator can inspect and re-publish it. The payload used to travel twice (value and a
/// header): a 0.5 MB record made a dead letter the broker refused, and detection retried it for ever.
/// Returns only once the dead-letter records are acknowledged, because the worker commits the batch right after.
/// </summary>
internal sealed partial class KafkaDeadLetters(KafkaProducer producer, IOptions<KafkaOptions> options, ILogger<KafkaDeadLetters> logger)
    : IDeadLetterSink
{
    public void Add(IReadOnlyList<(ConsumedEvent Event, string Reason)> dead, DateTimeOffset now)
    {
        var topics = options.Value.Topics;
        var messages = dead.Select(d =>
        {
            var payload = BoundedPayload.Of(d.Event.Payload);
            return new Message<string?, byte[]>
            {
                Key = d.Event.EventId.Length <= 256 ? d.Event.EventId : d.Event.EventId[..256],
                Value = payload.Bytes,
                Timestamp = new Timestamp(now),
                Headers = new Headers
                {
                    { KafkaHeaders.DeadLetterReason, Encoding.UTF8.GetBytes(BoundedPayload.Reason(d.Reason)) },
                    { KafkaHeaders.OriginalTopic, Encoding.UTF8.GetBytes(topics.Events) },
                    { KafkaHeaders.OriginalPartition, Encoding.UTF8.GetBytes(d.Event.Position.Partition.ToString(CultureInfo.InvariantCulture)) },
                    { KafkaHeaders.OriginalOffset, Encoding.UTF8.GetBytes(d.Event.Position.Offset.ToString(CultureInfo.InvariantCulture)) },
                    { KafkaHeaders.PayloadSha256, Encoding.UTF8.GetBytes(payload.Sha256) },
                    { KafkaHeaders.PayloadBytes, Encoding.UTF8.GetBytes(payload.OriginalBytes.ToString(CultureInfo.InvariantCulture)) },
                    { KafkaHeaders.PayloadTruncated, payload.Truncated ? "true"u8.ToArray() : "false"u8.ToArray() },
                },
            };
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
