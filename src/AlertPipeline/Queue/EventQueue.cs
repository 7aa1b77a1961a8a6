namespace AlertPipeline.Queue;

/// <summary>
/// A validated device event ready to be queued: the keys the queue needs, and the event's JSON as received. Its
/// identity is (school, device, event id): see <see cref="Events.EventKey"/>.
/// </summary>
internal sealed record QueuedEvent(string EventId, string SchoolId, string DeviceId, string UserLogin, ReadOnlyMemory<byte> Payload);

internal enum PublishOutcome
{
    Accepted,
    Duplicate,
}

/// <summary>Where an event sits in its transport: a partition and an offset (the embedded queue has one partition).</summary>
internal readonly record struct EventPosition(int Partition, long Offset);

internal sealed record ConsumedEvent(EventPosition Position, string EventId, ReadOnlyMemory<byte> Payload, DateTimeOffset AcceptedAt);

/// <summary>
/// The ingest side of the event transport. Implementations promise: when the task completes successfully, every
/// event is durable (a crash afterwards loses nothing) and events already held are reported as duplicates.
/// </summary>
internal interface IEventPublisher
{
    /// <exception cref="QueueFullException">The queue is at capacity; nothing of this batch was stored.</exception>
    Task<IReadOnlyList<PublishOutcome>> PublishAsync(IReadOnlyList<QueuedEvent> events, CancellationToken cancellationToken);
}

/// <summary>
/// The detection side of the event transport: at-least-once. Events read but not committed are read again after a
/// restart (or, with Kafka, a rebalance), so whatever a consumer does with an event must be idempotent.
/// </summary>
internal interface IEventConsumer
{
    /// <summary>Waits until at least one event is available, then returns up to <paramref name="max"/> in order.</summary>
    ValueTask<IReadOnlyList<ConsumedEvent>> ReadAsync(int max, CancellationToken cancellationToken);

    /// <summary>Marks these events processed. Call only once everything they caused (alerts, dead letters) is durable.</summary>
    ValueTask CommitAsync(IReadOnlyList<ConsumedEvent> processed, CancellationToken cancellationToken);
}

/// <summary>Back-pressure: the queue is full. Ingest answers 503 with Retry-After; the agent keeps the events and retries.</summary>
internal sealed class QueueFullException(long backlog, long capacity)
    : Exception($"queue full: {backlog} events waiting, capacity {capacity}")
{
    public long Backlog { get; } = backlog;

    public long Capacity { get; } = capacity;
}
