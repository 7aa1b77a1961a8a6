using System.Security.Cryptography;
using System.Text;
using AlertPipeline.Detection;

namespace AlertPipeline.Alerts;

internal static class AlertStatus
{
    public const string New = "new";
    public const string Acknowledged = "acknowledged";
    public const string Resolved = "resolved";
}

/// <summary>A matched term as stored with an alert (offsets into the original text).</summary>
internal sealed record AlertMatch(string Term, string Category, string Severity, int Start, int Length, string Text, string Rule);

/// <summary>An alert: one event judged concerning by one rule, with everything a DSL needs to see it in context.</summary>
internal sealed record Alert(
    string AlertId,
    string EventId,
    string Rule,
    string SchoolId,
    string DeviceId,
    string UserLogin,
    DateTimeOffset OccurredAt,
    string Source,
    string? App,
    string? Url,
    string? ScreenshotRef,
    string Text,
    string NormalizedText,
    IReadOnlyList<string> Categories,
    Severity Severity,
    IReadOnlyList<AlertMatch> Matches,
    string ListVersion,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>How many near-identical events this alert stands for (a repeated search, a sentence typed letter by letter).</summary>
    public int EventCount { get; init; } = 1;

    /// <summary>When the latest of those events happened.</summary>
    public DateTimeOffset LastEventAt { get; init; } = OccurredAt;

    /// <summary>The grouping key that merges later near-identical events into this alert (null for trajectory alerts).</summary>
    public string? GroupKey { get; init; }

    /// <summary>The original text with matches in [brackets], at most 200 characters.</summary>
    public string Snippet { get; init; } = string.Empty;

    /// <summary>
    /// A monitoring check's synthetic alert (the school's designated test pupil): stored like any other so the check
    /// proves the real path, but told only to the school's test recipient and left out of queues, digests,
    /// escalation and every report (docs/decisions/0019-checks-monitoring-check.md).
    /// </summary>
    public bool IsTest { get; init; }

    /// <summary>
    /// The id is derived from (event, rule), so the same event judged by the same rule again — after a crash or a
    /// Kafka redelivery — yields the same alert id, and the store's unique key makes the second write a no-op. The
    /// event is its full identity (school, device, id): two schools' events with one id are two alerts.
    /// </summary>
    public static string IdFor(Events.EventKey e, string rule) =>
        "al_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{e.SchoolId}\n{e.DeviceId}\n{e.EventId}\n{rule}")))[..20];
}
