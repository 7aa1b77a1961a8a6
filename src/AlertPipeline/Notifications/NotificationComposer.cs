using System.Globalization;
using AlertPipeline.Alerts;
using AlertPipeline.Schools;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Notifications;

/// <summary>
/// Builds what an outbox row says when it is sent (not when it is planned), so a held notification shows the
/// school's current name and a digest counts the alerts of its period as stored.
/// </summary>
internal sealed class NotificationComposer(
    IAlertStore alerts,
    SchoolDirectory schools,
    SystemAlerts systemAlerts,
    IEnumerable<IComposedNotification> composedElsewhere,
    IOptionsMonitor<NotificationOptions> options)
{
    /// <summary>The message, or null when what it is about no longer exists (the row then fails, visibly).</summary>
    public NotificationMessage? Compose(DueNotification n)
    {
        var consoleUrl = options.CurrentValue.ConsoleBaseUrl;
        if (composedElsewhere.FirstOrDefault(c => c.Handles(n.Kind)) is { } other)
        {
            return n.Subject is null ? null : other.Compose(n.NotificationId, n.Kind, n.Subject, consoleUrl);
        }

        switch (n.Kind)
        {
            case NotificationKinds.System:
                return long.TryParse(n.Subject, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) && systemAlerts.Get(id) is { } system
                    ? ForSystemAlert(n, system, consoleUrl)
                    : null;
        }

        if (n.AlertId is null || alerts.Get(n.AlertId) is not { } alert)
        {
            return null;
        }

        var school = schools.For(alert.SchoolId);
        Escalation? escalation = null;
        if (NotificationKinds.EscalationStep(n.Kind) is { } step)
        {
            var chain = school.EscalationChain(schools.TrustDsl);
            var target = new Target(n.Recipient, n.Channel);
            var role = chain.ElementAtOrDefault(step - 1)?.FirstOrDefault(c => c.Targets.Contains(target))?.Role ?? "the next person in the escalation chain";
            escalation = new Escalation(step, (school.EscalationDeadline(alert.Severity) ?? TimeSpan.Zero) * step, role);
        }

        return NotificationMessage.ForAlert(n.NotificationId, n.Kind, alert, school, consoleUrl, escalation);
    }

    private NotificationMessage ForSystemAlert(DueNotification n, SystemAlert system, string consoleUrl)
    {
        var school = system.SchoolId is null ? null : schools.For(system.SchoolId);
        var facts = new List<(string, string)>
        {
            ("Problem", system.Detail),
            ("School", school?.Name ?? "(trust)"),
            ("Time", NotificationMessage.LocalTime(system.At, school?.Hours.Zone ?? TimeZoneInfo.Utc)),
        };
        if (system.AlertId is not null)
        {
            facts.Add(("Alert", system.AlertId));
        }

        var link = system.AlertId is null ? $"{consoleUrl.TrimEnd('/')}/system-alerts" : $"{consoleUrl.TrimEnd('/')}/alerts/{system.AlertId}";
        return new NotificationMessage(
            n.NotificationId, n.Kind, system.AlertId, system.SchoolId ?? string.Empty, school?.Name ?? schools.TrustName, null, [], system.At,
            system.Kind switch
            {
                SystemAlerts.ChannelDownKind => "[AlertPipeline] SYSTEM ALERT: a notification channel cannot deliver",
                SystemAlerts.MonitoringCheckKind => $"[AlertPipeline] SYSTEM ALERT: the monitoring check failed at {school?.Name ?? schools.TrustName}",
                _ => "[AlertPipeline] SYSTEM ALERT: a safeguarding notification could not be delivered",
            },
            system.Kind == SystemAlerts.MonitoringCheckKind
                ? "The end-to-end monitoring check failed: a test event was not turned into a stored alert and a delivered " +
                  "notification in time, so real alerts of some categories may be missed. Ask IT to look now; the log of checks has the detail."
                : system.Kind == SystemAlerts.ChannelDownKind
                ? "A notification channel has failed every attempt for minutes. Alerts are stored and notifications kept, " +
                  "but people may not be told: check the console and ask IT to fix the channel (the cause is below)."
                : "A notification could not be delivered after repeated attempts. Someone may not know about an alert: " +
                  "check the alert in the console and ask IT to fix the channel.",
            facts, [], link, NotificationMessage.NoPupilDetailFooter);
    }
}

/// <summary>
/// A kind of notification whose message its own feature builds when it is sent (digests, governor summaries): the
/// feature registers one, so the composer depends on none of them.
/// </summary>
internal interface IComposedNotification
{
    bool Handles(string kind);

    /// <summary>The message for the row's subject (a period, a summary), or null when it no longer exists.</summary>
    NotificationMessage? Compose(string notificationId, string kind, string subject, string consoleBaseUrl);
}
