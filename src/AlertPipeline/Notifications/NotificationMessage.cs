using System.Globalization;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Schools;

namespace AlertPipeline.Notifications;

/// <summary>
/// What a notification says, independent of the channel: email, a Teams or Slack card and the generic JSON webhook
/// all render this. By default it carries no pupil text or identity (neither email nor chat is a safe place for
/// it): severity, categories, school, time and a link to the console, where access is controlled and audited.
/// </summary>
internal sealed record NotificationMessage(
    string NotificationId,
    string Kind,
    string? AlertId,
    string SchoolId,
    string SchoolName,
    Severity? Severity,
    IReadOnlyList<string> Categories,
    DateTimeOffset? OccurredAt,
    string Title,
    string Headline,
    IReadOnlyList<(string Name, string Value)> Facts,
    IReadOnlyList<string> Lines,
    string Link,
    string Footer)
{
    /// <summary>Files sent with the message (a governor summary's PDF). Email carries them; webhooks never do.</summary>
    public IReadOnlyList<NotificationAttachment> Attachments { get; init; } = [];

    /// <summary>An HTML rendering of the body for mail clients that show it; the plain text is always sent too.</summary>
    public string? HtmlBody { get; init; }

    public const string NoPupilDetailFooter = "This message deliberately contains no pupil details. Do not forward it outside the safeguarding team.";

    /// <summary>"An urgent", "A critical": the article read aloud before the severity's name.</summary>
    internal static string Article(string word) => word.Length > 0 && "aeiouAEIOU".Contains(word[0], StringComparison.Ordinal) ? "An" : "A";

    private static readonly TimeZoneInfo UkTime = SchoolHours.FindTimeZone("Europe/London") ?? TimeZoneInfo.Utc;

    /// <summary>An alert, told at once or (with <paramref name="escalation"/>) because nobody acknowledged it in time.</summary>
    public static NotificationMessage ForAlert(
        string notificationId, string kind, Alert alert, SchoolPolicy school, string consoleBaseUrl, Escalation? escalation = null)
    {
        var severity = alert.Severity.ToName().ToUpperInvariant();
        var categories = string.Join(", ", alert.Categories);
        var facts = new List<(string, string)>
        {
            ("Severity", severity),
            ("Categories", categories),
            ("School", school.Name),
            ("Time", LocalTime(alert.OccurredAt, school.Hours.Zone)),
            ("Source", alert.Source),
            ("Alert", alert.AlertId),
        };
        if (alert.Rule == Detection.AlertFactory.ModelRule)
        {
            // No keyword rule fired: the learned model alone judged this text concerning. Said plainly so the DSL
            // weighs it as a statistical judgement, not a list match.
            facts.Insert(2, ("Raised by", "the learned risk model alone (model-only: no keyword rule matched)"));
        }

        if (school.IncludePupilDetail)
        {
            facts.Add(("Pupil", $"{alert.UserLogin} on {alert.DeviceId}"));
            facts.Add(("Matched", string.Join(", ", alert.Matches.Select(m => m.Text).Distinct())));
        }

        var modelOnly = alert.Rule == Detection.AlertFactory.ModelRule ? " (model-only)" : string.Empty;
        var title = $"[AlertPipeline] {severity}: {categories} alert{modelOnly} at {school.Name}";
        var headline = $"{Article(alert.Severity.ToName())} {alert.Severity.ToName()} safeguarding alert needs your attention.";
        if (alert.IsTest)
        {
            // Said in the subject and the first line, so nobody who sees it treats a check as a child at risk.
            title = $"[AlertPipeline] TEST (monitoring check, not a real alert): {categories} at {school.Name}";
            headline = "TEST: this is the monitoring check's synthetic alert for the school's designated test pupil. No action is needed; it proves that alerts of this category are detected, stored and sent.";
            facts.Insert(0, ("Test", "yes: a monitoring check, not a real pupil"));
        }
        else if (escalation is not null)
        {
            title = $"[AlertPipeline] ESCALATED {severity}: {categories} alert at {school.Name} not acknowledged";
            headline = $"ESCALATION (step {escalation.Step}): this {severity} alert has not been acknowledged within {Minutes(escalation.Deadline)}. " +
                       $"You are told as {escalation.Role}. Please make sure someone acts on it now.";
        }

        return new NotificationMessage(
            notificationId, kind, alert.AlertId, school.SchoolId, school.Name, alert.Severity, alert.Categories, alert.OccurredAt,
            title, headline, facts, [], $"{consoleBaseUrl.TrimEnd('/')}/alerts/{alert.AlertId}",
            school.IncludePupilDetail ? "Pupil details are included by this school's choice. Do not forward this message." : NoPupilDetailFooter);
    }

    public static string LocalTime(DateTimeOffset at, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var label = zone.Id == UkTime.Id ? "UK time" : zone.Id;
        return string.Create(CultureInfo.InvariantCulture, $"{local:dddd d MMMM yyyy HH:mm} ({label})");
    }

    /// <summary>The message as plain text: the email body, the Slack fallback text and the JSON webhook's <c>text</c>.</summary>
    public string ToText()
    {
        var text = new System.Text.StringBuilder().AppendLine(Headline).AppendLine();
        foreach (var (name, value) in Facts)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{name + ":",-12}{value}");
        }

        if (Lines.Count > 0)
        {
            text.AppendLine();
            foreach (var line in Lines)
            {
                text.AppendLine(line);
            }
        }

        return text.AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Open it in the console: {Link}")
            .AppendLine()
            .AppendLine(Footer)
            .ToString();
    }

    private static string Minutes(TimeSpan span) => span.TotalMinutes >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0} minutes")
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0} seconds");
}

/// <summary>A file attached to a notification: its name, MIME type and bytes.</summary>
internal sealed record NotificationAttachment(string FileName, string ContentType, byte[] Content);

/// <summary>Why an escalation notification is sent: which step of the chain, the deadline missed, and the role told.</summary>
internal sealed record Escalation(int Step, TimeSpan Deadline, string Role);
