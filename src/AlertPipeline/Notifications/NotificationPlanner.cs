using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AlertPipeline.Alerts;
using AlertPipeline.Schools;

namespace AlertPipeline.Notifications;

/// <summary>Outbox channel names. Webhook channels are <see cref="WebhookFormats"/>.</summary>
internal static class NotificationChannels
{
    public const string Email = "email";
}

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

/// <summary>
/// Decides who is told about a new alert at once, by the school's rules: the DSL (every channel of theirs) when the
/// severity is at or above the school's <c>NotifyAtOnce</c>, and while the school is closed also whoever the
/// on-call rota names for that day; held until school hours only if the school chose so for severities below
/// <c>OutOfHoursAtOnce</c> (never urgent or critical); the trust DSL copied from <c>Trust:CopyFrom</c>. Lower
/// severities wait for the digest. Pure given the options.
/// </summary>
internal sealed class NotificationPlanner(SchoolDirectory schools)
{
    public const string EmailChannel = NotificationChannels.Email;

    public IReadOnlyList<OutboxNotification> Plan(Alert alert)
    {
        var school = schools.For(alert.SchoolId);
        if (alert.Severity < school.NotifyAtOnce)
        {
            return [];
        }

        var sendAt = school.SendAt(alert.Severity, alert.CreatedAt);
        var notBefore = sendAt > alert.CreatedAt ? sendAt : (DateTimeOffset?)null;
        var targets = school.Dsl.Targets.ToList();
        // A held notification goes out when school opens, so the DSL is on duty then: the rota is for alerts sent now.
        if (notBefore is null)
        {
            targets.AddRange(school.OnCallAt(alert.CreatedAt).SelectMany(c => c.Targets));
        }

        var trustDsl = schools.TrustDsl;
        if (schools.TrustCopyFrom is { } copy && alert.Severity >= copy && !ReferenceEquals(trustDsl, school.Dsl))
        {
            targets.AddRange(trustDsl.Targets);
        }

        return targets.Distinct().Select(t => OutboxNotification.For(alert.AlertId, t, NotificationKinds.Alert, notBefore)).ToList();
    }
}

/// <summary>Wakes the dispatcher as soon as new notifications are committed, so "at once" does not wait for a poll.</summary>
internal sealed class NotificationSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up covers every notification written so far.
        }
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _signal.Dispose();
}
