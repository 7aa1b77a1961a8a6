namespace AlertPipeline.Detection.Alerts;

/// <summary>A flagged detection for one pupil, as the grouper sees it. <see cref="At"/> is when the event happened.</summary>
public sealed record PupilDetection(string PupilId, DateTimeOffset At, SourceKinds Source, DetectionResult Result);

/// <summary>
/// One alert standing for one or more near-identical detections. <see cref="Key"/> is stable for the life
/// of the group, so the host can update the stored alert instead of inserting another.
/// </summary>
public sealed record GroupedAlert(
    string Key,
    string PupilId,
    DateTimeOffset FirstAt,
    DateTimeOffset LastAt,
    int Count,
    SourceKinds Source,
    Severity Severity,
    IReadOnlyList<string> Categories,
    IReadOnlyList<string> Rules,
    string NormalizedText,
    string Snippet);

public enum GroupingOutcome
{
    /// <summary>A new alert: store it and notify as usual.</summary>
    Opened,
    /// <summary>Folded into an open alert: update its count and text; notify only if <see cref="GroupingResult.SeverityRaised"/>.</summary>
    Merged,
}

public sealed record GroupingResult(GroupingOutcome Outcome, GroupedAlert Alert, bool SeverityRaised);

/// <summary>
/// Merges near-identical detections of the same pupil within a window into one alert with a count: the same
/// search repeated, a page title seen again, or one sentence captured while typed ("i want to die",
/// "i want to die n", "i want to die now"). Near-identical means: same pupil, same source, the previous
/// detection of the group at most <c>window</c> earlier, and either the same normalised text or one
/// normalised text a prefix of the other with the same rules matched. Different concerns are never merged.
/// </summary>
/// <remarks>
/// Pure: time comes in with each detection; no clock, no I/O, not thread-safe (one grouper per partition of
/// pupils, or a lock in the host). State is the set of open groups (<see cref="OpenAlerts"/>): the host
/// persists them with the alerts it stores and rebuilds a grouper after a restart with
/// <see cref="Rehydrate"/>, passing the alerts whose <c>LastAt</c> is within the window. Groups older than the
/// window are dropped as detections arrive (or by <see cref="Expire"/>).
/// </remarks>
public sealed class AlertGrouper
{
    // Open groups per pupil; a pupil rarely has more than a handful inside one window.
    private readonly Dictionary<string, List<GroupedAlert>> _open = new(StringComparer.Ordinal);

    public AlertGrouper(TimeSpan window)
    {
        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "The grouping window must be positive.");
        }

        Window = window;
    }

    public TimeSpan Window { get; }

    public IEnumerable<GroupedAlert> OpenAlerts => _open.Values.SelectMany(v => v);

    public static AlertGrouper Rehydrate(TimeSpan window, IEnumerable<GroupedAlert> openAlerts)
    {
        ArgumentNullException.ThrowIfNull(openAlerts);
        var grouper = new AlertGrouper(window);
        foreach (var alert in openAlerts)
        {
            grouper.GroupsOf(alert.PupilId).Add(alert);
        }

        return grouper;
    }

    public GroupingResult Add(PupilDetection detection)
    {
        ArgumentNullException.ThrowIfNull(detection);
        if (!detection.Result.Flagged || detection.Result.Severity is not { } severity)
        {
            throw new ArgumentException("Only flagged detections are grouped.", nameof(detection));
        }

        var groups = GroupsOf(detection.PupilId);
        groups.RemoveAll(g => detection.At - g.LastAt > Window);
        var rules = detection.Result.Matches.Select(m => m.Rule).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var text = detection.Result.NormalizedText;
        for (var i = 0; i < groups.Count; i++)
        {
            var g = groups[i];
            if (g.Source != detection.Source || detection.At < g.FirstAt - Window || !IsNearIdentical(g, text, rules))
            {
                continue;
            }

            var raised = severity > g.Severity;
            var longer = text.Length >= g.NormalizedText.Length;
            var merged = g with
            {
                LastAt = detection.At > g.LastAt ? detection.At : g.LastAt,
                Count = g.Count + 1,
                Severity = raised ? severity : g.Severity,
                Categories = [.. g.Categories.Union(detection.Result.Categories, StringComparer.Ordinal)],
                Rules = [.. g.Rules.Union(rules, StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                NormalizedText = longer ? text : g.NormalizedText,
                Snippet = longer ? detection.Result.Snippet : g.Snippet,
            };
            groups[i] = merged;
            return new GroupingResult(GroupingOutcome.Merged, merged, raised);
        }

        var opened = new GroupedAlert(
            $"{detection.PupilId}/{detection.At.UtcTicks}/{string.Join('+', rules)}",
            detection.PupilId, detection.At, detection.At, 1, detection.Source, severity,
            detection.Result.Categories, rules, text, detection.Result.Snippet);
        groups.Add(opened);
        return new GroupingResult(GroupingOutcome.Opened, opened, SeverityRaised: false);
    }

    /// <summary>Drops groups whose last detection is more than the window before <paramref name="now"/>.</summary>
    public void Expire(DateTimeOffset now)
    {
        foreach (var (pupil, groups) in _open.ToList())
        {
            groups.RemoveAll(g => now - g.LastAt > Window);
            if (groups.Count == 0)
            {
                _open.Remove(pupil);
            }
        }
    }

    private static bool IsNearIdentical(GroupedAlert group, string text, List<string> rules)
    {
        if (string.Equals(group.NormalizedText, text, StringComparison.Ordinal))
        {
            return true;
        }

        // Typing captured keystroke by keystroke: each capture extends (or, with backspace, trims) the last.
        var prefix = text.StartsWith(group.NormalizedText, StringComparison.Ordinal)
                     || group.NormalizedText.StartsWith(text, StringComparison.Ordinal);
        return prefix && (rules.All(group.Rules.Contains) || group.Rules.All(rules.Contains));
    }

    private List<GroupedAlert> GroupsOf(string pupil)
    {
        if (!_open.TryGetValue(pupil, out var groups))
        {
            _open[pupil] = groups = [];
        }

        return groups;
    }
}
