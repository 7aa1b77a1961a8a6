using AlertPipeline.Detection;
using AlertPipeline.Events;
using AlertPipeline.Queue;

namespace AlertPipeline.Replay;

/// <summary>
/// Shadow replay: runs retained events through the current and a candidate keyword-list version and counts, per
/// category and severity, the alerts the candidate would add or remove. Pure: no store, no notifications.
/// <para>
/// An alert here is (event, category, severity): an event whose severity changes counts as one removed at the old
/// severity and one added at the new, which is what a DSL would notice.
/// </para>
/// </summary>
internal sealed class ShadowReplay(Detector current, Detector candidate)
{
    private readonly Dictionary<(string Category, Severity Severity), (int Added, int Removed)> _changes = [];

    public long Events { get; private set; }

    public long Unreadable { get; private set; }

    public long CurrentAlerts { get; private set; }

    public long CandidateAlerts { get; private set; }

    public string CurrentVersion => current.Version;

    public string CandidateVersion => candidate.Version;

    public IEnumerable<(string Category, Severity Severity, int Added, int Removed)> Changes =>
        _changes.OrderByDescending(c => c.Key.Severity).ThenBy(c => c.Key.Category, StringComparer.Ordinal)
            .Select(c => (c.Key.Category, c.Key.Severity, c.Value.Added, c.Value.Removed));

    public void Add(ConsumedEvent consumed)
    {
        Events++;
        var e = DeviceEventReader.TryRead(consumed.Payload.Span, DateTimeOffset.MaxValue, out _);
        if (e is null)
        {
            Unreadable++; // Detection dead-letters these; neither version would alert.
            return;
        }

        var before = Keys(current.Scan(e.Text, e.Source));
        var after = Keys(candidate.Scan(e.Text, e.Source));
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
    }

    private static HashSet<(string, Severity)> Keys(DetectionResult result) =>
        result.Flagged ? result.Categories.Select(c => (c, result.Severity!.Value)).ToHashSet() : [];
}
