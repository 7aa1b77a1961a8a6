using AlertPipeline.Detection;
using AlertPipeline.Detection.Model;
using AlertPipeline.Events;
using AlertPipeline.Queue;

namespace AlertPipeline.Replay;

/// <summary>
/// How one side of a shadow replay judges an event: the keyword lists and, when the model is on, the school's
/// <see cref="ModelJudge"/> (score bands per school). The same fusion the detection worker does.
/// </summary>
internal sealed record ReplaySide(Detector Lists, Func<string, ModelJudge?>? ModelFor = null)
{
    public HashSet<(string Category, Severity Severity)> Keys(DeviceEvent e)
    {
        var rules = Lists.Scan(e.Text, e.Source);
        if (ModelFor?.Invoke(e.SchoolId) is not { } judge)
        {
            return ShadowReplay.Keys(rules);
        }

        var verdict = judge.Judge(e.Text, rules.Flagged ? rules : null);
        var keys = verdict.Rules is { } fused ? ShadowReplay.Keys(fused) : [];
        if (verdict.ModelOnly is { } modelOnly)
        {
            keys.UnionWith(ShadowReplay.Keys(modelOnly));
        }

        return keys;
    }
}

/// <summary>
/// Shadow replay: runs retained events through the current and a candidate judgement (keyword-list version, model score
/// bands, or both) and counts, per category and severity, the alerts the candidate would add or remove. Pure: no store,
/// no notifications.
/// <para>
/// An alert here is (event, category, severity): an event whose severity changes counts as one removed at the old
/// severity and one added at the new, which is what a DSL would notice. When the outcomes DSLs gave the current alerts are
/// known (<c>outcomeOf</c>), an event the candidate would no longer alert on at all is counted by that outcome: a
/// threshold that removes mostly false positives, and no confirmed concern, is worth applying.
/// </para>
/// </summary>
internal sealed class ShadowReplay(ReplaySide current, ReplaySide candidate, Func<EventKey, string?>? outcomeOf = null)
{
    private readonly Dictionary<(string Category, Severity Severity), (int Added, int Removed)> _changes = [];
    private readonly Dictionary<string, int> _silencedByOutcome = new(StringComparer.Ordinal);

    public ShadowReplay(Detector current, Detector candidate)
        : this(new ReplaySide(current), new ReplaySide(candidate))
    {
    }

    public long Events { get; private set; }

    public long Unreadable { get; private set; }

    public long CurrentAlerts { get; private set; }

    public long CandidateAlerts { get; private set; }

    public string CurrentVersion => current.Lists.Version;

    public string CandidateVersion => candidate.Lists.Version;

    public IEnumerable<(string Category, Severity Severity, int Added, int Removed)> Changes =>
        _changes.OrderByDescending(c => c.Key.Severity).ThenBy(c => c.Key.Category, StringComparer.Ordinal)
            .Select(c => (c.Key.Category, c.Key.Severity, c.Value.Added, c.Value.Removed));

    /// <summary>Events that alert now and would not under the candidate, by what the DSL decided ("open": not resolved).</summary>
    public IReadOnlyDictionary<string, int> SilencedByOutcome => _silencedByOutcome;

    public void Add(ConsumedEvent consumed)
    {
        Events++;
        var e = DeviceEventReader.TryRead(consumed.Payload.Span, DateTimeOffset.MaxValue, out _);
        if (e is null)
        {
            Unreadable++; // Detection dead-letters these; neither version would alert.
            return;
        }

        var before = current.Keys(e);
        var after = candidate.Keys(e);
        CurrentAlerts += before.Count > 0 ? 1 : 0;
        CandidateAlerts += after.Count > 0 ? 1 : 0;
        foreach (var key in after.Except(before))
        {
            var (added, removed) = _changes.GetValueOrDefault(key);
            _changes[key] = (added + 1, removed);
        }

        foreach (var key in before.Except(after))
        {
            var (added, removed) = _changes.GetValueOrDefault(key);
            _changes[key] = (added, removed + 1);
        }

        if (outcomeOf is not null && before.Count > 0 && after.Count == 0)
        {
            var outcome = outcomeOf(new EventKey(e.SchoolId, e.DeviceId, e.EventId)) ?? "open";
            _silencedByOutcome[outcome] = _silencedByOutcome.GetValueOrDefault(outcome) + 1;
        }
    }

    internal static HashSet<(string, Severity)> Keys(DetectionResult result) =>
        result.Flagged ? result.Categories.Select(c => (c, result.Severity!.Value)).ToHashSet() : [];
}
