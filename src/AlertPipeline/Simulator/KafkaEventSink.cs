using System.Text;
using AlertPipeline.Queue;
using Confluent.Kafka;

namespace AlertPipeline.Simulator;

/// <summary>
/// Sends the simulator's batches straight to the device-events topic through the same publisher ingest uses, so the
/// records are exactly what ingest would have produced (key = pupil, <c>ap-schema: 1</c>). There is no ingest API in
/// this path: nothing validates the events before detection (a bad one is dead-lettered there), there are no
/// duplicate answers, and there are no screenshots (they are uploaded over HTTP).
/// </summary>
internal sealed class KafkaEventSink(IEventPublisher publisher) : IEventSink
{
    public async Task<BatchResult> SendAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        var events = batch.Events
            .Select(e => new QueuedEvent(e.EventId, e.SchoolId, (string)e.Event["deviceId"]!, (string)e.Event["userLogin"]!, Encoding.UTF8.GetBytes(e.Event.ToJsonString())))
            .ToList();
        try
        {
            await publisher.PublishAsync(events, cancellationToken).ConfigureAwait(false);
            return new BatchResult(BatchOutcome.Delivered, events.Count, events.Count, 0, 0, [], 1, null, null);
        }
        catch (KafkaException ex)
        {
            return new BatchResult(BatchOutcome.Failed, events.Count, 0, 0, 0, [], 1, null, ex.Error.Reason);
        }
    }
}
