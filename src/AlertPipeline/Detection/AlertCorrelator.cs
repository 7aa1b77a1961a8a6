using AlertPipeline.Alerts;
using AlertPipeline.Detection.Alerts;
using AlertPipeline.Events;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Detection;

/// <summary>What one flagged event becomes: a new alert, a merge into an open one, and possibly a trajectory alert.</summary>
internal sealed record Correlation(Alert? Opened, (string AlertId, GroupingResult Result)? Merged, Alert? Trajectory);

/// <summary>
/// Rules above single events, around the pure <see cref="AlertGrouper"/> and <see cref="TrajectoryTracker"/>:
/// near-identical detections of a pupil within <see cref="DetectionOptions.GroupingWindow"/> become one alert with a
/// count, and repeated lower-level signals raise a trajectory alert.
/// <para>
/// The alert store is the truth; this state is a cache of it. A pupil's state is loaded from the store the first
/// time an event of theirs is seen, around that event's own time (devices upload late, so wall-clock time would
/// miss it), and everything is dropped by <see cref="Invalidate"/> after a batch that failed to store, so a retried
/// batch can never count twice or fold an event into an alert that was never written. Used by one detection worker.
/// </para>
/// </summary>
internal sealed class AlertCorrelator(IAlertStore store, IOptions<DetectionOptions> options)
{
    // Bounds the cache: past this many pupils everything is dropped and reloaded on demand.
    private const int MaxPupils = 50_000;

    private readonly TrajectoryOptions _trajectory = new()
    {
        Window = options.Value.TrajectoryWindow,
        Threshold = options.Value.TrajectoryThreshold,
    };

    private readonly TimeSpan _window = options.Value.GroupingWindow;
    private readonly Dictionary<string, string> _alertOfGroup = new(StringComparer.Ordinal);
    private readonly HashSet<string> _loaded = new(StringComparer.Ordinal);
    private AlertGrouper _grouper = new(options.Value.GroupingWindow);
    private TrajectoryTracker _tracker = new(new TrajectoryOptions
    {
        Window = options.Value.TrajectoryWindow,
        Threshold = options.Value.TrajectoryThreshold,
    });

    public Correlation Add(DeviceEvent e, DetectionResult result, string listVersion, DateTimeOffset now)
    {
        var pupil = PupilOf(e.SchoolId, e.UserLogin);
        if (!_loaded.Contains(pupil))
        {
            Load(e, pupil);
        }

        var grouping = _grouper.Add(new PupilDetection(pupil, e.OccurredAt, e.Source, result));
        if (grouping.Outcome == GroupingOutcome.Merged && _alertOfGroup.TryGetValue(grouping.Alert.Key, out var alertId))
        {
            return new Correlation(null, (alertId, grouping), null);
        }

        var opened = AlertFactory.Create(e, result, listVersion, now, grouping.Alert.Key);
        _alertOfGroup[grouping.Alert.Key] = opened.AlertId;
        Alert? trajectory = null;
        foreach (var signal in TrajectoryTracker.SignalsOf(pupil, e.OccurredAt, result))
        {
            if (_tracker.Record(signal) is { } raised)
            {
                trajectory = AlertFactory.CreateTrajectory(e, result, raised, listVersion, now);
            }
        }

        return new Correlation(opened, null, trajectory);
    }

    /// <summary>Forget everything: state is reloaded from the store as events arrive.</summary>
    public void Invalidate()
    {
        _loaded.Clear();
        _alertOfGroup.Clear();
        _grouper = new AlertGrouper(_window);
        _tracker = new TrajectoryTracker(_trajectory);
    }

    private void Load(DeviceEvent e, string pupil)
    {
        if (_loaded.Count >= MaxPupils)
        {
            Invalidate();
        }

        var span = _trajectory.Window > _window ? _trajectory.Window : _window;
        var stored = store.OfPupil(e.SchoolId, e.UserLogin, e.OccurredAt - span, e.OccurredAt + _window);
        var groups = new List<GroupedAlert>();
        foreach (var a in stored.Where(a => a.GroupKey is not null && a.Status != AlertStatus.Resolved))
        {
            _alertOfGroup[a.GroupKey!] = a.AlertId;
            groups.Add(new GroupedAlert(a.GroupKey!, pupil, a.OccurredAt, a.LastEventAt, a.EventCount,
                SourceKindNames.TryParseSingle(a.Source, out var s) ? s : SourceKinds.Any, a.Severity, a.Categories,
                a.Matches.Select(m => m.Rule).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(), a.NormalizedText, a.Snippet));
        }

        var signals = stored.Where(a => a.Rule == AlertFactory.KeywordRule)
            .SelectMany(a => a.Matches
                .Select(m => (Match: m, Severity: SeverityNames.TryParse(m.Severity, out var sev) ? sev : Severity.Low))
                .Where(m => m.Severity <= _trajectory.CountUpTo)
                .GroupBy(m => m.Match.Category)
                .Select(g => new RiskSignal(pupil, g.Key, g.Max(m => m.Severity), a.OccurredAt, g.First().Match.Rule)));
        var lastAlerts = stored.Where(a => a.Rule.StartsWith("trajectory/", StringComparison.Ordinal))
            .Select(a => (pupil, a.Categories[0], a.OccurredAt));

        // The pure classes rebuild from a full list, so carry over what is cached for other pupils.
        _grouper = AlertGrouper.Rehydrate(_window, _grouper.OpenAlerts.Concat(groups));
        var snapshot = _tracker.Snapshot();
        _tracker = TrajectoryTracker.Rehydrate(_trajectory,
            snapshot.SelectMany(s => s.Signals).Concat(signals),
            snapshot.Where(s => s.LastAlertAt is not null).Select(s => (s.PupilId, s.Category, s.LastAlertAt!.Value)).Concat(lastAlerts));
        _loaded.Add(pupil);
    }

    // Logins are unique within a school, not across a trust.
    private static string PupilOf(string schoolId, string userLogin) => schoolId + "/" + userLogin;
}
