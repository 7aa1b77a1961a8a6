using System.Diagnostics.Metrics;
using AlertPipeline.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Watchdog;

/// <summary>
/// Runs every probe each <see cref="WatchdogOptions.CheckInterval"/> (on the injected clock) and keeps the latest
/// findings for <c>/health/ready</c>, <c>/health</c>, the console banner and the metrics. When a check turns bad the
/// <see cref="WatchdogAlarm"/> shouts (log, system alert, email to the technical contact); when it recovers, the
/// alarm clears. The watchdog runs beside the stages it watches, so a stage stuck retrying cannot silence it.
/// </summary>
internal sealed partial class PipelineWatchdog(
    IEnumerable<IWatchdogProbe> probes,
    WatchdogAlarm alarm,
    StoreFaults faults,
    IOptions<WatchdogOptions> options,
    TimeProvider clock,
    ILogger<PipelineWatchdog> logger) : BackgroundService
{
    private readonly IReadOnlyList<IWatchdogProbe> _probes = [.. probes];
    private readonly SemaphoreSlim _checking = new(1, 1);

    // Checks whose alarm is raised (by this process). Touched only under _checking.
    private readonly HashSet<string> _raised = new(StringComparer.Ordinal);
    // Checks that have had a settled look: the first one also closes what an earlier process left open.
    private readonly HashSet<string> _settled = new(StringComparer.Ordinal);
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "Read by other threads while the check replaces it: the read-only type says no reader may change a published list.")]
    private volatile IReadOnlyList<WatchdogFinding> _current = [];

    /// <summary>Every check's latest finding (empty before the first run).</summary>
    public IReadOnlyList<WatchdogFinding> Current => _current;

    /// <summary>The names of every check this process runs: the health checks of <c>/health/ready</c>.</summary>
    public IReadOnlyList<string> Checks => [.. _probes.SelectMany(p => p.Checks).Distinct()];

    public IReadOnlyList<WatchdogFinding> Problems => [.. _current.Where(f => f.Level != WatchdogLevel.Ok)];

    public WatchdogLevel Level => _current.Count == 0 ? WatchdogLevel.Ok : _current.Max(f => f.Level);

    /// <summary>Runs every probe now and raises or clears alarms. Tests call it after moving a fake clock.</summary>
    public async Task CheckNowAsync(CancellationToken cancellationToken = default)
    {
        await _checking.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = clock.GetUtcNow();
            var findings = new List<WatchdogFinding>();
            foreach (var probe in _probes)
            {
                findings.AddRange(Run(probe, now));
            }

            _current = findings;
            foreach (var finding in findings)
            {
                if (finding.Level != WatchdogLevel.Ok)
                {
                    if (_raised.Add(finding.Check))
                    {
                        await alarm.RaiseAsync(finding, cancellationToken).ConfigureAwait(false);
                    }
                }
                else if (finding.Settled && (_raised.Remove(finding.Check) | _settled.Add(finding.Check)))
                {
                    // The first settled look also closes what an earlier process left open if it has recovered since.
                    await alarm.ClearAsync(finding, cancellationToken).ConfigureAwait(false);
                }
            }

        }
        finally
        {
            _checking.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CheckInterval, clock);
        do
        {
            try
            {
                await CheckNowAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // The watchdog must outlive anything it watches; each probe's failure is already a finding.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogCheckFailed(ex);
            }
        }
        while (await timer.NextTickOrStopAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>A probe that throws (a locked or damaged database) is itself a finding, never the end of the watchdog.</summary>
    private IEnumerable<WatchdogFinding> Run(IWatchdogProbe probe, DateTimeOffset now)
    {
        try
        {
            return [.. probe.Probe(now)];
        }
#pragma warning disable CA1031 // See the summary.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (ex is SqliteException sqlite && StoreFiles.IsDamage(sqlite))
            {
                faults.Damaged(probe.GetType().Name, sqlite.Message);
            }

            return probe.Checks.Select(check => new WatchdogFinding(check, WatchdogLevel.Degraded,
                $"the check could not run: {ex.GetType().Name}: {ex.Message}", new Dictionary<string, double>()));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Watchdog check failed; it runs again at the next interval")]
    private partial void LogCheckFailed(Exception exception);
}

/// <summary>
/// The watchdog's figures as System.Diagnostics.Metrics instruments of the meter <c>AlertPipeline.Watchdog</c>
/// (read them with <c>dotnet-counters monitor -n alertpipeline --counters AlertPipeline.Watchdog</c> or any
/// OpenTelemetry exporter): one gauge per figure, and <c>alertpipeline.watchdog.level</c> per check (0 ok,
/// 1 degraded, 2 unhealthy).
/// </summary>
internal sealed class WatchdogMetrics
{
    public const string MeterName = "AlertPipeline.Watchdog";

    private static readonly (string Figure, string Instrument, string Unit, string Description)[] Gauges =
    [
        (WatchdogFigures.Backlog, "alertpipeline.queue.backlog", "{event}", "Events accepted and not yet processed by detection"),
        (WatchdogFigures.StalledSeconds, "alertpipeline.detection.stalled", "s", "How long detection's position has stood still while work waits"),
        (WatchdogFigures.OldestEventAgeSeconds, "alertpipeline.queue.oldest_event_age", "s", "Age of the oldest event not yet processed"),
        (WatchdogFigures.ConsumerLag, "alertpipeline.kafka.consumer_lag", "{record}", "Records of this process's device-events partitions not yet processed"),
        (WatchdogFigures.OutboxDue, "alertpipeline.outbox.due", "{notification}", "Notifications due and not yet sent"),
        (WatchdogFigures.OutboxOldestDueSeconds, "alertpipeline.outbox.oldest_due_age", "s", "How long the oldest due notification has waited"),
    ];

    public WatchdogMetrics(IMeterFactory meters, PipelineWatchdog watchdog)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("alertpipeline.watchdog.level",
            () => watchdog.Current.Select(f => new Measurement<int>((int)f.Level, new KeyValuePair<string, object?>("check", f.Check))),
            description: "Each watchdog check: 0 ok, 1 degraded, 2 unhealthy");
        foreach (var (figure, instrument, unit, description) in Gauges)
        {
            meter.CreateObservableGauge(instrument,
                () => watchdog.Current.Where(f => f.Figures.ContainsKey(figure)).Select(f => new Measurement<double>(f.Figures[figure])),
                unit, description);
        }
    }
}
