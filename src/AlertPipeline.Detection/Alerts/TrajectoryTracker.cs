namespace AlertPipeline.Detection.Alerts;

/// <summary>A lower-level match for one pupil in one risk category, at the time the event happened.</summary>
public sealed record RiskSignal(string PupilId, string Category, Severity Severity, DateTimeOffset At, string Rule);

/// <summary>Raised when a pupil's lower-level signals in one category add up (e.g. three in seven days).</summary>
public sealed record TrajectoryAlert(string PupilId, string Category, Severity Severity, DateTimeOffset From, DateTimeOffset To,
    IReadOnlyList<RiskSignal> Signals)
{
    /// <summary>The rule that raised it, for the alert's explanation: "trajectory/suicide/3-in-7d".</summary>
    public string Rule => $"trajectory/{Category}/{Signals.Count}-in-{(To - From).TotalDays:0.#}d";
}

/// <summary>Thresholds; defaults: three low or medium signals in one category within seven days raise a high alert.</summary>
public sealed record TrajectoryOptions
{
    public TimeSpan Window { get; init; } = TimeSpan.FromDays(7);

    public int Threshold { get; init; } = 3;

    /// <summary>Signals at or below this count toward a trajectory; stronger ones alert on their own already.</summary>
    public Severity CountUpTo { get; init; } = Severity.Medium;

    public Severity RaiseTo { get; init; } = Severity.High;
}

/// <summary>
/// Watches for repeated lower-level signals that no single event would alert on strongly: a pupil who
/// searches three different medium-level self-harm terms in a week. After an alert for a pupil and
/// category, only signals after it count toward the next one, so one pattern raises one alert, not one
/// per further signal.
/// </summary>
/// <remarks>
/// Pure: time comes with each signal, no clock, no I/O, not thread-safe. State is, per pupil and category,
/// the signals inside the window plus the time of the last trajectory alert (<see cref="Snapshot"/>).
/// The host either persists that snapshot, or, simpler and self-healing, rebuilds it after a restart from
/// its stored detections: <see cref="Rehydrate"/> with the last window's signals and the stored trajectory
/// alerts' times. Signals may arrive out of order (a device syncing late); the window is measured on
/// <see cref="RiskSignal.At"/>, not on arrival.
/// </remarks>
public sealed class TrajectoryTracker
{
    private readonly TrajectoryOptions _options;
    private readonly Dictionary<(string Pupil, string Category), Track> _tracks = [];

    public TrajectoryTracker(TrajectoryOptions? options = null)
    {
        _options = options ?? new TrajectoryOptions();
        if (_options.Threshold < 2 || _options.Window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options, "Threshold must be at least 2 and the window positive.");
        }
    }

    public static TrajectoryTracker Rehydrate(TrajectoryOptions? options, IEnumerable<RiskSignal> recentSignals,
        IEnumerable<(string PupilId, string Category, DateTimeOffset At)> lastAlerts)
    {
        ArgumentNullException.ThrowIfNull(recentSignals);
        ArgumentNullException.ThrowIfNull(lastAlerts);
        var tracker = new TrajectoryTracker(options);
        foreach (var (pupil, category, at) in lastAlerts)
        {
            var track = tracker.TrackOf(pupil, category);
            track.LastAlertAt = track.LastAlertAt is { } t && t > at ? t : at;
        }

        foreach (var signal in recentSignals.OrderBy(s => s.At))
        {
            tracker.TrackOf(signal.PupilId, signal.Category).Signals.Add(signal);
        }

        return tracker;
    }

    /// <summary>Per pupil and category: signals still counted and the last alert time. For persistence and diagnostics.</summary>
    public IReadOnlyList<(string PupilId, string Category, IReadOnlyList<RiskSignal> Signals, DateTimeOffset? LastAlertAt)> Snapshot() =>
        [.. _tracks.Select(kv => (kv.Key.Pupil, kv.Key.Category, (IReadOnlyList<RiskSignal>)[.. kv.Value.Signals], kv.Value.LastAlertAt))];

    /// <summary>Adds one signal; returns an alert when it completes a trajectory, else null.</summary>
    public TrajectoryAlert? Record(RiskSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (signal.Severity > _options.CountUpTo)
        {
            return null;
        }

        var track = TrackOf(signal.PupilId, signal.Category);
        var index = track.Signals.FindLastIndex(s => s.At <= signal.At) + 1;
        track.Signals.Insert(index, signal);

        // Forget what can no longer fall inside any window ending at or after the newest signal.
        var newest = track.Signals[^1].At;
        track.Signals.RemoveAll(s => newest - s.At > _options.Window);

        // Any window of the configured length that contains the new signal may now be full; with late
        // signals that window can end after it. Only signals after the last alert count.
        var counted = track.Signals.Where(s => track.LastAlertAt is not { } last || s.At > last).ToList();
        foreach (var end in counted.Where(e => e.At >= signal.At && e.At - signal.At <= _options.Window))
        {
            var window = counted.Where(s => s.At <= end.At && end.At - s.At <= _options.Window).ToList();
            if (window.Count >= _options.Threshold)
            {
                track.LastAlertAt = end.At;
                return new TrajectoryAlert(signal.PupilId, signal.Category, _options.RaiseTo, window[0].At, end.At, window);
            }
        }

        return null;
    }

    /// <summary>Convenience: the lower-level signals in one detection result (one per category, strongest match).</summary>
    public static IEnumerable<RiskSignal> SignalsOf(string pupilId, DateTimeOffset at, DetectionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Matches
            .GroupBy(m => m.Category, StringComparer.Ordinal)
            .Select(g => g.MaxBy(m => m.Severity)!)
            .Select(m => new RiskSignal(pupilId, m.Category, m.Severity, at, m.Rule));
    }

    private Track TrackOf(string pupil, string category)
    {
        if (!_tracks.TryGetValue((pupil, category), out var track))
        {
            _tracks[(pupil, category)] = track = new Track();
        }

        return track;
    }

    private sealed class Track
    {
        public List<RiskSignal> Signals { get; } = [];

        public DateTimeOffset? LastAlertAt { get; set; }
    }
}
