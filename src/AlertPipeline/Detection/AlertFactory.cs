using AlertPipeline.Alerts;
using AlertPipeline.Events;

namespace AlertPipeline.Detection;

/// <summary>Turns a detection on one event into the alert a DSL will see. Pure.</summary>
internal static class AlertFactory
{
    /// <summary>The rule family of keyword alerts; part of the alert's identity (one alert per event and rule).</summary>
    public const string KeywordRule = "keywords";

    public static Alert Create(DeviceEvent e, DetectionResult result, string listVersion, DateTimeOffset now) => new(
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
        now);
}
