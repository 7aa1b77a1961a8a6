using System.Text;
using AlertPipeline.Queue;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Transport.Kafka;

/// <summary>
/// Ingest's side of the Kafka transport: one record per event on the device-events topic, keyed by pupil login so a
/// pupil's events stay in order on one partition, value the event's JSON as received, header <c>ap-schema: 1</c>.
/// Returns only when every record is acknowledged by all in-sync replicas (idempotent producer, <c>acks=all</c>).
/// <para>
/// Kafka cannot say whether an <c>eventId</c> was seen before, so every event is reported as accepted; a retried
/// batch is delivered again and the alert store's unique (event, rule) key makes the second delivery a no-op
/// (docs/delivery.md).
/// </para>
/// </summary>
internal sealed class KafkaEventPublisher(KafkaProducer producer, IOptions<KafkaOptions> options, TimeProvider clock) : IEventPublisher
{
    private static readonly byte[] SchemaVersion = "1"u8.ToArray();

    public async Task<IReadOnlyList<PublishOutcome>> PublishAsync(IReadOnlyList<QueuedEvent> events, CancellationToken cancellationToken)
    {
        var timestamp = new Timestamp(clock.GetUtcNow());
        var messages = new Message<string?, byte[]>[events.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            var e = events[i];
            messages[i] = new Message<string?, byte[]>
            {
                // School and pupil: one pupil's events stay in order in one partition (trajectories, grouping), and
                // the same login at two schools of a trust is two pupils.
                Key = string.Concat(e.SchoolId, "/", e.UserLogin),
                Value = e.Payload.ToArray(),
                Timestamp = timestamp,
                Headers = new Headers
                {
                    { KafkaHeaders.Schema, SchemaVersion },
                    { KafkaHeaders.EventId, Encoding.UTF8.GetBytes(e.EventId) },
                },
            };
        }

        // Not cancellable once started: every record is either delivered or reported failed, so "was it stored?"
        // has one answer for the agent's retry.
        await producer.ProduceAllAsync(options.Value.Topics.Events, messages).ConfigureAwait(false);
        return Enumerable.Repeat(PublishOutcome.Accepted, events.Count).ToArray();
    }
}
