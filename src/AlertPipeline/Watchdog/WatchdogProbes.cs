using AlertPipeline.Storage;
using System.Collections.Concurrent;
using System.Globalization;
using AlertPipeline.Notifications;
using AlertPipeline.Queue;
using AlertPipeline.Transport.Kafka;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Watchdog;

/// <summary>How bad a check's finding is. Degraded: the pipeline runs but alerts are late or may be. Unhealthy: it cannot work as it is.</summary>
internal enum WatchdogLevel
{
    Ok = 0,
    Degraded = 1,
    Unhealthy = 2,
}

/// <summary>
/// One check's result. <see cref="Reason"/> names the problem for IT and never carries pupil data; <see cref="Figures"/>
/// are the numbers behind it (published as metrics, and shown on <c>/health/ready</c> to signed-in staff only).
/// </summary>
internal sealed record WatchdogFinding(string Check, WatchdogLevel Level, string Reason, IReadOnlyDictionary<string, double> Figures)
{
    /// <summary>
    /// False for an "ok" that only means "not seen long enough to tell" (a progress check's first look at a backlog):
    /// it must not clear an alarm that an earlier process raised.
    /// </summary>
    public bool Settled { get; init; } = true;

    public static WatchdogFinding Ok(string check, string reason, IReadOnlyDictionary<string, double>? figures = null) =>
        new(check, WatchdogLevel.Ok, reason, figures ?? new Dictionary<string, double>());
}

/// <summary>Something the watchdog looks at every <see cref="WatchdogOptions.CheckInterval"/>. May keep state between calls (to see progress).</summary>
internal interface IWatchdogProbe
{
    /// <summary>The checks this probe reports, by name (fixed: they are the health checks of <c>/health/ready</c>).</summary>
    IReadOnlyList<string> Checks { get; }

    IEnumerable<WatchdogFinding> Probe(DateTimeOffset now);
}

/// <summary>The figure names published as metrics (see <see cref="WatchdogMetrics"/>).</summary>
internal static class WatchdogFigures
{
    public const string Backlog = "backlog";
    public const string StalledSeconds = "stalled_seconds";
    public const string OldestEventAgeSeconds = "oldest_event_age_seconds";
    public const string ConsumerLag = "consumer_lag";
    public const string OutboxDue = "outbox_due";
    public const string OutboxOldestDueSeconds = "outbox_oldest_due_seconds";
}

/// <summary>
/// Whether a position moves while work waits. Shared by the embedded queue and Kafka: "stalled" is the same idea for
/// both (a backlog, and a position that has not changed for <see cref="WatchdogOptions.StallAfter"/>).
/// </summary>
internal sealed class ProgressTracker
{
    private long? _position;
    private DateTimeOffset _since;

    /// <summary>
    /// How long the position has stood still with work waiting (zero with no work, or when it just moved); null on the
    /// first look at waiting work, when nothing can be said yet.
    /// </summary>
    public TimeSpan? StillFor(long position, bool waiting, DateTimeOffset now)
    {
        var first = _position is null;
        if (!waiting || _position != position)
        {
            _position = position;
            _since = now;
            return first && waiting ? null : TimeSpan.Zero;
        }

        return now - _since;
    }
}

/// <summary>
/// The embedded queue, read from <c>queue.db</c> (detection may be another process on the same directory): is
/// detection's committed position moving while events wait, and how old is the oldest event it has not processed?
/// </summary>
internal sealed class EmbeddedQueueProbe(SqliteEventQueue queue, IOptions<WatchdogOptions> options) : IWatchdogProbe
{
    public const string ProgressCheck = "detection-progress";
    public const string AgeCheck = "event-age";

    private readonly ProgressTracker _progress = new();

    public IReadOnlyList<string> Checks { get; } = [ProgressCheck, AgeCheck];

    public IEnumerable<WatchdogFinding> Probe(DateTimeOffset now)
    {
        var o = options.Value;
        var (position, backlog, oldest) = queue.Progress();
        var still = _progress.StillFor(position, backlog > 0, now);
        var figures = new Dictionary<string, double> { [WatchdogFigures.Backlog] = backlog, [WatchdogFigures.StalledSeconds] = still?.TotalSeconds ?? 0 };
        yield return still >= o.StallAfter
            ? new WatchdogFinding(ProgressCheck, WatchdogLevel.Degraded, string.Create(CultureInfo.InvariantCulture,
                $"detection has not advanced past queue position {position} for {Show(still.Value)} while {backlog} event(s) wait (limit {Show(o.StallAfter)}); see the detect process's log"), figures)
            : WatchdogFinding.Ok(ProgressCheck, string.Create(CultureInfo.InvariantCulture, $"{backlog} event(s) waiting"), figures) with { Settled = still is not null };

        var age = oldest is { } at ? now - at : TimeSpan.Zero;
        var ageFigures = new Dictionary<string, double> { [WatchdogFigures.OldestEventAgeSeconds] = Math.Max(0, age.TotalSeconds) };
        yield return age > o.MaxEventAge
            ? new WatchdogFinding(AgeCheck, WatchdogLevel.Degraded, string.Create(CultureInfo.InvariantCulture,
                $"the oldest unprocessed event was accepted {Show(age)} ago (limit {Show(o.MaxEventAge)}); alerts are that late"), ageFigures)
            : WatchdogFinding.Ok(AgeCheck, oldest is null ? "nothing waiting" : string.Create(CultureInfo.InvariantCulture, $"oldest waiting {Show(age)}"), ageFigures);
    }

    internal static string Show(TimeSpan span) => span.TotalSeconds < 120
        ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0} s")
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0} min");
}

/// <summary>
/// Kafka: the lag of this process's partitions of the device-events topic (high watermark minus what detection has
/// stored as done), and whether what it has done moves while there is lag.
/// </summary>
internal sealed class KafkaLagProbe(KafkaEventConsumer consumer, IOptions<WatchdogOptions> options) : IWatchdogProbe
{
    public const string LagCheck = "consumer-lag";

    private readonly ProgressTracker _progress = new();

    public IReadOnlyList<string> Checks { get; } = [LagCheck, EmbeddedQueueProbe.ProgressCheck];

    public IEnumerable<WatchdogFinding> Probe(DateTimeOffset now)
    {
        var o = options.Value;
        if (consumer.Lag() is not { } lag)
        {
            yield return WatchdogFinding.Ok(LagCheck, "the consumer has not joined its group yet") with { Settled = false };
            yield return WatchdogFinding.Ok(EmbeddedQueueProbe.ProgressCheck, "no partitions assigned yet") with { Settled = false };
            yield break;
        }

        var figures = new Dictionary<string, double> { [WatchdogFigures.ConsumerLag] = lag.Records };
        yield return lag.Records > o.MaxConsumerLag
            ? new WatchdogFinding(LagCheck, WatchdogLevel.Degraded, string.Create(CultureInfo.InvariantCulture,
                $"Kafka consumer lag is {lag.Records} record(s) on {lag.Partitions} partition(s) (limit {o.MaxConsumerLag}); detection is behind"), figures)
            : WatchdogFinding.Ok(LagCheck, string.Create(CultureInfo.InvariantCulture, $"lag {lag.Records} on {lag.Partitions} partition(s)"), figures);

        var still = _progress.StillFor(lag.Done, lag.Records > 0, now);
        var progress = new Dictionary<string, double> { [WatchdogFigures.StalledSeconds] = still?.TotalSeconds ?? 0 };
        yield return still >= o.StallAfter
            ? new WatchdogFinding(EmbeddedQueueProbe.ProgressCheck, WatchdogLevel.Degraded, string.Create(CultureInfo.InvariantCulture,
                $"detection has not advanced on its Kafka partitions for {EmbeddedQueueProbe.Show(still.Value)} while {lag.Records} record(s) wait (limit {EmbeddedQueueProbe.Show(o.StallAfter)}); see the detect process's log"), progress)
            : WatchdogFinding.Ok(EmbeddedQueueProbe.ProgressCheck, "advancing or idle", progress) with { Settled = still is not null };
    }
}

/// <summary>The notification outbox: has a notification that is due waited too long to be sent?</summary>
internal sealed class OutboxProbe(NotificationOutbox outbox, IOptions<WatchdogOptions> options) : IWatchdogProbe
{
    public const string Check = "notifications";

    public IReadOnlyList<string> Checks { get; } = [Check];

    public IEnumerable<WatchdogFinding> Probe(DateTimeOffset now)
    {
        var (oldest, due) = outbox.OldestDue(now);
        var waited = oldest is { } at ? now - at : TimeSpan.Zero;
        var figures = new Dictionary<string, double>
        {
            [WatchdogFigures.OutboxDue] = due,
            [WatchdogFigures.OutboxOldestDueSeconds] = Math.Max(0, waited.TotalSeconds),
        };
        yield return waited > options.Value.MaxNotificationDelay
            ? new WatchdogFinding(Check, WatchdogLevel.Degraded, string.Create(CultureInfo.InvariantCulture,
                $"{due} notification(s) are due and not sent; the oldest has waited {EmbeddedQueueProbe.Show(waited)} (limit {EmbeddedQueueProbe.Show(options.Value.MaxNotificationDelay)}): is the respond process running, and can it reach its channels?"), figures)
            : WatchdogFinding.Ok(Check, string.Create(CultureInfo.InvariantCulture, $"{due} due"), figures);
    }
}

/// <summary>The watchdog's <c>stores</c> check: unhealthy while <see cref="StoreFaults"/> lists a damaged store.</summary>
internal sealed class StoreFaultsProbe(StoreFaults faults) : IWatchdogProbe
{
    public IReadOnlyList<string> Checks { get; } = [StoreFaults.Check];

    public IEnumerable<WatchdogFinding> Probe(DateTimeOffset now)
    {
        yield return !faults.Any
            ? WatchdogFinding.Ok(StoreFaults.Check, "no damage seen")
            : new WatchdogFinding(StoreFaults.Check, WatchdogLevel.Unhealthy,
                $"a store is damaged ({faults.Describe()}); detection cannot store alerts and ingest refuses events with 503. Stop the service and restore the file from backup", new Dictionary<string, double>());
    }
}
