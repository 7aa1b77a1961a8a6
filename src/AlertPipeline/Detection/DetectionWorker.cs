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
    IAlertStore alerts,
    NotificationPlanner planner,
    NotificationSignal notify,
    IDeadLetterSink deadLetters,
    AlertCorrelator correlator,
    ITestPupils testPupils,
    PipelineMetrics metrics,
    Storage.StoreFaults faults,
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

    // What a damaged file here is reported as: the alert store, or the transport's position store (SQLite says which
    // error, not which file).
    private string DamagedStore => $"{alerts.Describe} or the transport's position store";

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

                try
                {
                    Store(batch);
                    faults.Working(DamagedStore);
                }
#pragma warning disable CA1031 // Any failure: find the event that causes it, or wait out the store's outage.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogBatchFailed(ex, batch.Events.Count);
                    ReportDamage(ex);
                    correlator.Invalidate(); // Its cache may hold what was never stored: rebuild from the store.
                    await StoreEachAsync(batch, stoppingToken).ConfigureAwait(false);
                }

                await CommitAsync(batch.Events, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Not committed: the batch is read again on the next start.
        }
    }

    /// <summary>How often one event is tried on its own before it is dead-lettered as poison.</summary>
    internal const int MaxAttempts = 3;

    /// <summary>
    /// After a batch failed to store: each event on its own, so that one event that cannot be judged or stored (a
    /// poison event) goes to the dead letters with the reason after <see cref="MaxAttempts"/> tries, and every other
    /// event of the batch is stored. A failure of the store itself (disk full, locked, I/O) is not the event's fault:
    /// it is retried until the store comes back, never dead-lettered, so an outage delays alerts and loses none.
    /// </summary>
    private async Task StoreEachAsync(ScannedBatch batch, CancellationToken stoppingToken)
    {
        foreach (var consumed in batch.Events)
        {
            var one = batch.Only(consumed);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    Store(one);
                    break;
                }
#pragma warning disable CA1031 // Classified below: the store's outage is retried, an event's own failure is bounded.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    correlator.Invalidate();
                    if (IsStoreOutage(ex))
                    {
                        LogStoreOutage(ex, consumed.EventId);
                        ReportDamage(ex);
                        attempt = 0;
                    }
                    else if (attempt >= MaxAttempts)
                    {
                        LogPoison(ex, consumed.EventId, attempt);
                        await DeadLetterAsync(consumed, $"failed {attempt} times: {ex.GetType().Name}: {ex.Message}", stoppingToken).ConfigureAwait(false);
                        break;
                    }

                    await Task.Delay(RetryDelay, clock, stoppingToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Retrying cannot mend a damaged file: say so (watchdog, health, ingest 503) instead of retrying in silence while
    /// ingest keeps accepting events.
    /// </summary>
    private void ReportDamage(Exception ex)
    {
        if (ex is Microsoft.Data.Sqlite.SqliteException sqlite && Storage.StoreFiles.IsDamage(sqlite))
        {
            faults.Damaged(DamagedStore, sqlite.Message);
        }
    }

    private async Task DeadLetterAsync(ConsumedEvent consumed, string reason, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                deadLetters.Add([(consumed, reason)], clock.GetUtcNow());
                metrics.Processed(1, 0, 1);
                return;
            }
#pragma warning disable CA1031 // The dead-letter store is down: the event waits (uncommitted) until it is back.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogStoreOutage(ex, consumed.EventId);
                await Task.Delay(RetryDelay, clock, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task CommitAsync(IReadOnlyList<ConsumedEvent> events, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await consumer.CommitAsync(events, CancellationToken.None).ConfigureAwait(false);
                return;
            }
#pragma warning disable CA1031 // Everything is stored (idempotently): committing again later is always safe.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogCommitFailed(ex, events.Count);
                await Task.Delay(RetryDelay, clock, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Failures of the store or the dead-letter transport, not of the event being stored.</summary>
    internal static bool IsStoreOutage(Exception ex) => ex switch
    {
        // BUSY, LOCKED, NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB: the same for any event.
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6 or 7 or 8 or 10 or 11 or 13 or 14 or 26,
        Confluent.Kafka.KafkaException kafka => kafka.Error.Code != Confluent.Kafka.ErrorCode.MsgSizeTooLarge,
        // The trust's PostgreSQL restarting, failing over, refusing connections (57P0x, 08xxx, 53xxx) or a dropped
        // connection: Npgsql calls these transient. Before this, a restart of PostgreSQL made every event of the batch
        // in flight fail three times and go to the dead letters as poison: alerts lost to an outage.
        Npgsql.NpgsqlException npgsql => npgsql.IsTransient || npgsql is Npgsql.PostgresException { SqlState: ['0', '8', ..] or ['5', '7', 'P', ..] or ['5', '3', ..] },
        System.Net.Sockets.SocketException or TimeoutException => true,
        IOException => true,
        _ => ex.InnerException is { } inner && IsStoreOutage(inner),
    };

    /// <summary>Scans a batch and stores its alerts and dead letters. Idempotent.</summary>
    internal void Process(IReadOnlyList<ConsumedEvent> batch) => Store(Scan(batch));

    /// <summary>As the running worker does: scans and stores a batch, isolating a poison event if storing fails.</summary>
    internal async Task ProcessIsolatedAsync(IReadOnlyList<ConsumedEvent> batch, CancellationToken cancellationToken)
    {
        var scanned = Scan(batch);
        try
        {
            Store(scanned);
        }
#pragma warning disable CA1031 // As in the running worker.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogBatchFailed(ex, batch.Count);
            correlator.Invalidate();
            await StoreEachAsync(scanned, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads and scans every event of a batch: no I/O and no shared state, so it can run ahead of <see cref="Store"/>.</summary>
    private ScannedBatch Scan(IReadOnlyList<ConsumedEvent> batch)
    {
        var detector = detectors.Current;
        var flagged = new List<(ConsumedEvent Consumed, DeviceEvent Event, DetectionResult Result)>();
        var dead = new List<(ConsumedEvent Event, string Reason)>();
        foreach (var consumed in batch)
        {
            try
            {
                var e = DeviceEventReader.TryRead(consumed.Payload.Span, DateTimeOffset.MaxValue, out var error);
                if (e is null)
                {
                    // Only reachable through a transport that skipped ingest validation (e.g. a raw Kafka producer).
                    dead.Add((consumed, $"{error!.Field} {error.Error}"));
                    continue;
                }

                // TryScan and TryJudge allocate nothing when nothing matches: the common case, on the hot path.
                detector.TryScan(e.Text, e.Source, out var result);
                if (models.For(e.SchoolId) is { } judge && judge.TryJudge(e.Text, result is { Flagged: true } ? result : null, out var verdict))
                {
                    // The rules' result keeps its own alert (raised only where the school allows); what the model
                    // adds for categories no rule caught is a separate, model-only alert.
                    result = verdict.Rules ?? result;
                    if (verdict.ModelOnly is { } modelOnly)
                    {
                        flagged.Add((consumed, e, modelOnly));
                    }
                }

                if (result is null)
                {
                    continue;
                }

                if (!result.Flagged)
                {
                    // A regex ran out of time (CPU pressure, a cold start) and nothing else matched: the text was not
                    // fully checked. Judging it safe could miss a concern, and the grouper takes only flagged
                    // detections, so: once more, and if the guard trips again, a dead letter IT can replay.
                    if (!detector.TryScan(e.Text, e.Source, out var again))
                    {
                        continue; // Fully checked this time: nothing there.
                    }

                    if (!again.Flagged)
                    {
                        dead.Add((consumed, $"not fully checked, replay it: {string.Join("; ", again.Warnings)}"));
                        continue;
                    }

                    result = again;
                }

                flagged.Add((consumed, e, result));
            }
#pragma warning disable CA1031 // A fault on one event (reader or detector) must not stop detection for everyone.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                // Kept, with the reason, where IT see it; the stream moves on. Never silently dropped.
                dead.Add((consumed, $"detection failed: {ex.GetType().Name}: {ex.Message}"));
            }
        }

        return new ScannedBatch(batch, detector.Version, flagged, dead);
    }

    /// <summary>Groups the flagged events into alerts and stores them and the dead letters, in one go. Idempotent.</summary>
    private void Store(ScannedBatch scanned)
    {
        var (batch, version, flagged, dead) = scanned;
        var now = clock.GetUtcNow();
        // Events already counted in an alert (a redelivery) must not be grouped or counted again.
        var known = flagged.Count == 0 ? [] : alerts.KnownEvents(flagged.Select(f => EventKey.Of(f.Event)).ToList());
        var found = new List<(Alert, IReadOnlyList<OutboxNotification>)>();
        var merges = new List<AlertMerge>();
        var seen = new HashSet<EventKey>();
        var seenModel = new HashSet<EventKey>();
        foreach (var (_, e, result) in flagged)
        {
            // Already stored, or twice in this merged batch (a Kafka partition revoked and given back re-reads it).
            // A model-only alert of an event is its own alert beside the keyword one: counted apart here.
            if (known.Contains(EventKey.Of(e)) || !(result.ModelOnly ? seenModel.Add(EventKey.Of(e)) : seen.Add(EventKey.Of(e))))
            {
                continue;
            }

            if (testPupils.IsTest(e.SchoolId, e.UserLogin))
            {
                // A monitoring check's event: one alert of its own every time (never grouped into an earlier check's,
                // never counted toward a trajectory), marked as a test and told to the test recipient alone.
                var test = AlertFactory.Create(e, result, version, now) with { IsTest = true };
                found.Add((test, testPupils.Plan(test)));
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
                merges.Add(new AlertMerge(merged.AlertId, EventKey.Of(e), e.OccurredAt, merged.Result.Alert.Severity,
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
        foreach (var alert in stored)
        {
            metrics.AlertStored(alert.Severity.ToName());
        }
        if (stored.Count > 0)
        {
            notify.Notify();
        }
    }

    private sealed record ScannedBatch(
        IReadOnlyList<ConsumedEvent> Events,
        string DetectorVersion,
        List<(ConsumedEvent Consumed, DeviceEvent Event, DetectionResult Result)> Flagged,
        List<(ConsumedEvent Event, string Reason)> Dead)
    {
        /// <summary>Just one event of this batch, with its scan outcome: for storing events one by one.</summary>
        public ScannedBatch Only(ConsumedEvent consumed) => new(
            [consumed], DetectorVersion,
            Flagged.Where(f => ReferenceEquals(f.Consumed, consumed)).ToList(),
            Dead.Where(d => ReferenceEquals(d.Event, consumed)).ToList());

        /// <summary>This batch followed by <paramref name="next"/>, in read order (scanned with the same detector).</summary>
        public ScannedBatch Then(ScannedBatch next) => new(
            [.. Events, .. next.Events], DetectorVersion, [.. Flagged, .. next.Flagged], [.. Dead, .. next.Dead]);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing a batch of {Count} events failed; storing them one by one to isolate the cause")]
    private partial void LogBatchFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "The store is failing (event {EventId} waits, uncommitted); retrying")]
    private partial void LogStoreOutage(Exception exception, string eventId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {EventId} failed {Attempts} times on its own: dead-lettered, the stream moves on")]
    private partial void LogPoison(Exception exception, string eventId, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Committing the position after {Count} stored events failed; retrying")]
    private partial void LogCommitFailed(Exception exception, int count);
}
