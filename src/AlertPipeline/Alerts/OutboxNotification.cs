using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AlertPipeline.Schools;

namespace AlertPipeline.Alerts;

// The outbox rows are written in the alert store's transaction (an alert is never stored without its notifications),
// so their record and names live with the alert store; Notifications sends them.

/// <summary>What an outbox row is about; with alert, recipient and channel it is the row's unique key.</summary>
internal static class NotificationKinds
{
    public const string Alert = "alert";
    public const string DailyDigest = "digest-daily";
    public const string WeeklySummary = "digest-weekly";
    public const string System = "system";

    /// <summary>A monitoring check's test alert, told to the school's test recipient only (never a DSL).</summary>
    public const string Test = "test";

    public static string Escalation(int step) => "escalation-" + step.ToString(CultureInfo.InvariantCulture);

    public static int? EscalationStep(string kind) =>
        kind.StartsWith("escalation-", StringComparison.Ordinal) && int.TryParse(kind.AsSpan(11), CultureInfo.InvariantCulture, out var step) ? step : null;
}

/// <summary>
/// A notification to write to the outbox. The id is derived from what it is about, so a replay writes the same row.
/// <see cref="NotBefore"/> holds it until then (out of school hours): scheduled, never dropped.
/// </summary>
internal sealed record OutboxNotification(string NotificationId, string Recipient, string Channel, string Kind = NotificationKinds.Alert, DateTimeOffset? NotBefore = null, string? Subject = null)
{
    public static OutboxNotification For(string alertId, string recipient, string channel) => new(
        "nt_" + Hash($"{alertId}\n{recipient}\n{channel}"), recipient, channel);

    public static OutboxNotification For(string about, Target target, string kind, DateTimeOffset? notBefore = null, string? subject = null) => new(
        kind == NotificationKinds.Alert ? For(about, target.Recipient, target.Channel).NotificationId : "nt_" + Hash($"{about}\n{target.Recipient}\n{target.Channel}\n{kind}"),
        target.Recipient, target.Channel, kind, notBefore, subject);

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..20];
}
