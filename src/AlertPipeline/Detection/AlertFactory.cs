using AlertPipeline.Alerts;
using AlertPipeline.Detection.Alerts;
using AlertPipeline.Events;

namespace AlertPipeline.Detection;

/// <summary>Turns a detection on one event into the alert a DSL will see. Pure.</summary>
internal static class AlertFactory
{
    /// <summary>The rule family of keyword alerts; part of the alert's identity (one alert per event and rule).</summary>
    public const string KeywordRule = "keywords";

    /// <summary>
    /// The rule family of alerts the learned model raised alone (no keyword rule matched their categories). Its own
    /// family, so such an alert never merges with or replaces a keyword alert of the same event, and every view can
    /// mark it as model-only.
    /// </summary>
    public const string ModelRule = "model";

    public static Alert Create(DeviceEvent e, DetectionResult result, string listVersion, DateTimeOffset now, string? groupKey = null) =>
        FromEvent(e, result.ModelOnly ? ModelRule : KeywordRule, result, result.Categories, result.Severity!.Value,
            result.Matches.Select(m => new AlertMatch(m.Term, m.Category, m.Severity.ToName(), m.Start, m.Length, m.MatchedText, m.EntryId)).ToList(),
            listVersion, now) with { GroupKey = groupKey };

    /// <summary>
    /// The alert a per-pupil trajectory raises, attached to the event that completed it. Its rule names the pattern
    /// ("trajectory/self-harm/3-in-7d"), so (event, rule) stays unique and a redelivery writes nothing new.
    /// </summary>
    public static Alert CreateTrajectory(DeviceEvent e, DetectionResult result, TrajectoryAlert trajectory, string listVersion, DateTimeOffset now) =>
        FromEvent(e, trajectory.Rule, result, [trajectory.Category], trajectory.Severity,
            [new AlertMatch(trajectory.Rule, trajectory.Category, trajectory.Severity.ToName(), 0, 0,
                $"{trajectory.Signals.Count} {trajectory.Category} signals from {trajectory.From:yyyy-MM-dd HH:mm} to {trajectory.To:yyyy-MM-dd HH:mm}", trajectory.Rule)],
            listVersion, now);

    private static Alert FromEvent(DeviceEvent e, string rule, DetectionResult result, IReadOnlyList<string> categories, Severity severity,
        IReadOnlyList<AlertMatch> matches, string listVersion, DateTimeOffset now) => new(
        Alert.IdFor(EventKey.Of(e), rule),
        e.EventId,
        rule,
        e.SchoolId,
        e.DeviceId,
        e.UserLogin,
        e.OccurredAt,
        e.Source.ToName(),
        e.App,
        e.Url,
        e.ScreenshotRef,
        e.Text,
        result.NormalizedText,
        categories,
        severity,
        matches,
        listVersion,
        AlertStatus.New,
        now,
        now)
    {
        Snippet = result.Snippet,
    };
}
