using AlertPipeline.Alerts;
using AlertPipeline.Events;
using AlertPipeline.Hosting;
using AlertPipeline.Notifications;
using AlertPipeline.Queue;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Detection;

/// <summary>
/// Reads events from the transport, scans each, stores the alerts (with their outbox notifications) and only then
/// commits the transport position. A crash anywhere in between re-reads the batch; the alert store ignores what it
/// already holds, so the effect is exactly once. This class does not know whether the transport is the embedded
/// queue or Kafka.
/// </summary>
internal sealed partial class DetectionWorker(
    IEventConsumer consumer,
    DetectorHolder detectors,
    AlertStore alerts,
    NotificationPlanner planner,
    NotificationSignal notify,
    IDeadLetterSink deadLetters,
    AlertCorrelator correlator,
    PipelineMetrics metrics,
    IOptions<QueueOptions> queue,
    TimeProvider clock,
    ILogger<DetectionWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<ConsumedEvent> batch;
            try
            {
                batch = await consumer.ReadAsync(queue.Value.ReadBatchSize, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            // Retry the same batch until it is stored: an error here (disk full, locked database) must delay
            // alerts, never lose them.
            while (true)
            {
                try
                {
                    Process(batch);
                    await consumer.CommitAsync(batch, CancellationToken.None).ConfigureAwait(false);
                    break;
                }
#pragma warning disable CA1031 // See above: any failure means "try this batch again".
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogBatchFailed(ex, batch.Count);
                    correlator.Invalidate(); // Its cache may hold what was never stored: rebuild from the store.
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return; // Not committed: the batch is read again on the next start.
                    }
                }
            }
        }
    }

    /// <summary>Scans a batch and stores its alerts and dead letters. Idempotent.</summary>
    internal void Process(IReadOnlyList<ConsumedEvent> batch)
    {
        var detector = detectors.Current;
        var now = clock.GetUtcNow();
        var flagged = new List<(DeviceEvent Event, DetectionResult Result)>();
        var dead = new List<(ConsumedEvent Event, string Reason)>();
        foreach (var consumed in batch)
        {
            var e = DeviceEventReader.TryRead(consumed.Payload.Span, DateTimeOffset.MaxValue, out var error);
            if (e is null)
            {
                // Only reachable through a transport that skipped ingest validation (e.g. a raw Kafka producer).
                dead.Add((consumed, $"{error!.Field} {error.Error}"));
                continue;
            }

            // TryScan allocates nothing when nothing matches: the common case, on the hot path.
            if (detector.TryScan(e.Text, e.Source, out var result))
            {
                flagged.Add((e, result));
            }
        }

        // Events already counted in an alert (a redelivery) must not be grouped or counted again.
        var known = flagged.Count == 0 ? [] : alerts.KnownEvents(flagged.Select(f => f.Event.EventId).ToList());
        var found = new List<(Alert, IReadOnlyList<OutboxNotification>)>();
        var merges = new List<AlertMerge>();
        foreach (var (e, result) in flagged)
        {
            if (known.Contains(e.EventId))
            {
                continue;
            }

            var correlation = correlator.Add(e, result, detector.Version, now);
            if (correlation.Opened is { } opened)
            {
                found.Add((opened, planner.Plan(opened)));
            }

            if (correlation.Trajectory is { } trajectory)
            {
                found.Add((trajectory, planner.Plan(trajectory)));
            }

            if (correlation.Merged is { } merged)
            {
                var longer = result.NormalizedText.Length >= merged.Result.Alert.NormalizedText.Length
                    ? AlertFactory.Create(e, result, detector.Version, now) : null;
                var raisedTo = merged.Result.SeverityRaised ? AlertFactory.Create(e, result, detector.Version, now) with { AlertId = merged.AlertId } : null;
                merges.Add(new AlertMerge(merged.AlertId, e.EventId, e.OccurredAt, merged.Result.Alert.Severity,
                    merged.Result.Alert.Categories, longer, raisedTo is null ? [] : planner.Plan(raisedTo)));
            }
        }

        if (dead.Count > 0)
        {
            deadLetters.Add(dead, now);
        }

        var stored = alerts.Save(found, merges);
        var storedAt = clock.GetUtcNow();
        foreach (var consumed in batch)
        {
            // Latency is sampled for every event, flagged or not: it is the time until its outcome is durable.
            metrics.AlertLatency(storedAt - consumed.AcceptedAt);
        }

        metrics.Processed(batch.Count, stored.Count, dead.Count);
        if (stored.Count > 0)
        {
            notify.Notify();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Detection of a batch of {Count} events failed; it will be retried, nothing is committed")]
    private partial void LogBatchFailed(Exception exception, int count);
}
