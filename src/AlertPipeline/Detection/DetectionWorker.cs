using System.Threading.Channels;
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
/// <para>
/// Two stages joined by a channel: one reads and scans (pure work), the other correlates, stores and commits, in
/// read order. So batch N+1 is read and scanned while batch N waits for its fsync, instead of one after the other.
/// </para>
/// </summary>
internal sealed partial class DetectionWorker(
    IEventConsumer consumer,
    DetectorHolder detectors,
    global::AlertPipeline.Model.ModelHolder models,
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
        // Up to four scanned batches wait while one is stored, and the store takes up to four at once in one
        // transaction: with a backlog, one fsync covers several batches (group commit); without one, a batch is stored
        // as soon as it is scanned. Bounded: at most ten batches (four being stored, four waiting, one being scanned,
        // one being read) are read but not committed, and all of them are read again after a crash.
        var scanned = Channel.CreateBounded<ScannedBatch>(new BoundedChannelOptions(MaxWaiting) { SingleReader = true, SingleWriter = true });

        // The reader stops with the host, and also whenever the store stage ends for any other reason: it must never
        // be left blocked on a full channel or an idle queue while this method waits for it (detection would then
        // stop without an error while the host runs on).
        using var readerStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);

        // Off the host's start-up thread: reading the embedded queue can complete synchronously for a long time.
        var reading = Task.Run(() => ReadAndScanAsync(scanned.Writer, readerStop.Token), CancellationToken.None);
        try
        {
            await StoreAndCommitAsync(scanned.Reader, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            await readerStop.CancelAsync().ConfigureAwait(false);

            // The consumer is disposed after this method returns; nothing may still be reading from it.
            await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await reading.ConfigureAwait(false); // A failed read ends detection, as it did before the stages split.
    }

    // Scanned batches that may wait while one is stored; the store takes at most this many at once.
    private const int MaxWaiting = 4;

    private async Task ReadAndScanAsync(ChannelWriter<ScannedBatch> scanned, CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var batch = await consumer.ReadAsync(queue.Value.ReadBatchSize, stoppingToken).ConfigureAwait(false);
                await scanned.WriteAsync(Scan(batch), stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what was read and not yet stored is not committed, so it is read again on the next start.
        }
        finally
        {
            scanned.TryComplete();
        }
    }

    private async Task StoreAndCommitAsync(ChannelReader<ScannedBatch> scanned, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var first in scanned.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                var batch = first;
                for (var taken = 1; taken < MaxWaiting && scanned.TryPeek(out var next) && next.DetectorVersion == batch.DetectorVersion && scanned.TryRead(out next); taken++)
                {
                    batch = batch.Then(next);
                }

                // Retry the same batch until it is stored: an error here (disk full, locked database) must delay
                // alerts, never lose them.
                while (true)
                {
                    try
                    {
                        Store(batch);
                        await consumer.CommitAsync(batch.Events, CancellationToken.None).ConfigureAwait(false);
                        break;
                    }
#pragma warning disable CA1031 // See above: any failure means "try this batch again".
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        LogBatchFailed(ex, batch.Events.Count);
                        correlator.Invalidate(); // Its cache may hold what was never stored: rebuild from the store.
                        await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Not committed: the batch is read again on the next start.
        }
    }

    /// <summary>Scans a batch and stores its alerts and dead letters. Idempotent.</summary>
    internal void Process(IReadOnlyList<ConsumedEvent> batch) => Store(Scan(batch));

    /// <summary>Reads and scans every event of a batch: no I/O and no shared state, so it can run ahead of <see cref="Store"/>.</summary>
    private ScannedBatch Scan(IReadOnlyList<ConsumedEvent> batch)
    {
        var detector = detectors.Current;
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

            // TryScan and TryJudge allocate nothing when nothing matches: the common case, on the hot path.
            DetectionResult? result;
            try
            {
                detector.TryScan(e.Text, e.Source, out result);
                if (models.For(e.SchoolId) is { } judge && judge.TryJudge(e.Text, result, out var verdict))
                {
                    // The rules' result keeps its own alert (raised only where the school allows); what the model
                    // adds for categories no rule caught is a separate, model-only alert.
                    result = verdict.Rules;
                    if (verdict.ModelOnly is { } modelOnly)
                    {
                        flagged.Add((e, modelOnly));
                    }
                }

                if (result is null)
                {
                    continue;
                }
            }
#pragma warning disable CA1031 // A detector fault on one text must not stop detection for everyone (or crash-loop on it).
            catch (Exception ex)
#pragma warning restore CA1031
            {
                // Kept, with the reason, where IT see it; the stream moves on. Never silently dropped.
                dead.Add((consumed, $"detection failed: {ex.GetType().Name}: {ex.Message}"));
                continue;
            }

            flagged.Add((e, result));
        }

        return new ScannedBatch(batch, detector.Version, flagged, dead);
    }

    /// <summary>Groups the flagged events into alerts and stores them and the dead letters, in one go. Idempotent.</summary>
    private void Store(ScannedBatch scanned)
    {
        var (batch, version, flagged, dead) = scanned;
        var now = clock.GetUtcNow();
        // Events already counted in an alert (a redelivery) must not be grouped or counted again.
        var known = flagged.Count == 0 ? [] : alerts.KnownEvents(flagged.Select(f => f.Event.EventId).ToList());
        var found = new List<(Alert, IReadOnlyList<OutboxNotification>)>();
        var merges = new List<AlertMerge>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (e, result) in flagged)
        {
            // Already stored, or twice in this merged batch (a Kafka partition revoked and given back re-reads it).
            if (known.Contains(e.EventId) || !seen.Add(result.ModelOnly ? e.EventId + "\nmodel" : e.EventId))
            {
                continue;
            }

            var correlation = correlator.Add(e, result, version, now);
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
                    ? AlertFactory.Create(e, result, version, now) : null;
                var raisedTo = merged.Result.SeverityRaised ? AlertFactory.Create(e, result, version, now) with { AlertId = merged.AlertId } : null;
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

    private sealed record ScannedBatch(
        IReadOnlyList<ConsumedEvent> Events,
        string DetectorVersion,
        List<(DeviceEvent Event, DetectionResult Result)> Flagged,
        List<(ConsumedEvent Event, string Reason)> Dead)
    {
        /// <summary>This batch followed by <paramref name="next"/>, in read order (scanned with the same detector).</summary>
        public ScannedBatch Then(ScannedBatch next) => new(
            [.. Events, .. next.Events], DetectorVersion, [.. Flagged, .. next.Flagged], [.. Dead, .. next.Dead]);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Detection of a batch of {Count} events failed; it will be retried, nothing is committed")]
    private partial void LogBatchFailed(Exception exception, int count);
}
