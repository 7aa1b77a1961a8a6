using AlertPipeline.Detection;
using AlertPipeline.Notifications;

namespace AlertPipeline.Alerts;

/// <summary>
/// A later event folded into an existing alert: the count goes up, the severity may rise, and when the new
/// event's text is the longer (a sentence typed further) it replaces the alert's text and matches.
/// </summary>
internal sealed record AlertMerge(
    string AlertId,
    Events.EventKey Event,
    DateTimeOffset OccurredAt,
    Severity Severity,
    IReadOnlyList<string> Categories,
    Alert? LongerText,
    IReadOnlyList<OutboxNotification> Notifications)
{
    /// <summary>What the alert's history says of this merge, the same on either engine.</summary>
    public string HistoryDetail => $"event {Event.EventId} folded in ({Severity.ToName()})";
}
