using AlertPipeline.Alerts;
using AlertPipeline.Events;

namespace AlertPipeline.Detection;

/// <summary>Turns a detection on one event into the alert a DSL will see. Pure.</summary>
internal static class AlertFactory
{
    /// <summary>The rule family of keyword alerts; part of the alert's identity (one alert per event and rule).</summary>
    public const string KeywordRule = "keywords";

    public static Alert Create(DeviceEvent e, DetectionResult result, string listVersion, DateTimeOffset now, string? groupKey = null) => new(
        Alert.IdFor(e.EventId, KeywordRule),
        e.EventId,
        KeywordRule,
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
        result.Categories,
        result.Severity!.Value,
        result.Matches.Select(m => new AlertMatch(m.Term, m.Category, m.Severity.ToName(), m.Start, m.Length, m.MatchedText, m.EntryId)).ToList(),
        listVersion,
        AlertStatus.New,
        now,
        now)
    {
        GroupKey = groupKey,
        Snippet = result.Snippet,
    };

    /// <summary>
    /// The alert a per-pupil trajectory raises, attached to the event that completed it. Its rule names the pattern
    /// ("trajectory/self-harm/3-in-7d"), so (event, rule) stays unique and a redelivery writes nothing new.
    /// </summary>
    public static Alert CreateTrajectory(DeviceEvent e, DetectionResult result, AlertPipeline.Detection.Alerts.TrajectoryAlert trajectory, string listVersion, DateTimeOffset now) => new(
        Alert.IdFor(e.EventId, trajectory.Rule),
        e.EventId,
        trajectory.Rule,
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
        [trajectory.Category],
        trajectory.Severity,
        [new AlertMatch(trajectory.Rule, trajectory.Category, trajectory.Severity.ToName(), 0, 0,
            $"{trajectory.Signals.Count} {trajectory.Category} signals from {trajectory.From:yyyy-MM-dd HH:mm} to {trajectory.To:yyyy-MM-dd HH:mm}", trajectory.Rule)],
        listVersion,
        AlertStatus.New,
        now,
        now)
    {
        Snippet = result.Snippet,
    };
}
