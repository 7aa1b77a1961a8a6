using System.Globalization;
using System.Net.Mail;
using System.Text;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Schools;

namespace AlertPipeline.Notifications;

/// <summary>
/// Composes the email for an alert. By default it carries no pupil text or identity (email is not a safe place for
/// it): severity, categories, school, time and a link to the console, where access is controlled and audited.
/// </summary>
internal static class AlertEmail
{
    private static readonly TimeZoneInfo UkTime = FindUkTime();

    public static MailMessage Compose(Alert alert, string recipient, NotificationOptions options, TrustOptions trust)
    {
        var schoolName = trust.Schools.TryGetValue(alert.SchoolId, out var school) && school.Name.Length > 0 ? school.Name : alert.SchoolId;
        var severity = alert.Severity.ToName().ToUpperInvariant();
        var categories = string.Join(", ", alert.Categories);
        var local = TimeZoneInfo.ConvertTime(alert.OccurredAt, UkTime);
        var link = $"{options.ConsoleBaseUrl.TrimEnd('/')}/alerts/{alert.AlertId}";

        var body = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"A {severity} safeguarding alert needs your attention.")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Severity:   {severity}")
            .AppendLine(CultureInfo.InvariantCulture, $"Categories: {categories}")
            .AppendLine(CultureInfo.InvariantCulture, $"School:     {schoolName}")
            .AppendLine(CultureInfo.InvariantCulture, $"Time:       {local:dddd d MMMM yyyy HH:mm} (UK time)")
            .AppendLine(CultureInfo.InvariantCulture, $"Source:     {alert.Source}")
            .AppendLine(CultureInfo.InvariantCulture, $"Alert:      {alert.AlertId}")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Open it in the console: {link}");
        if (options.IncludePupilDetail)
        {
            body.AppendLine()
                .AppendLine(CultureInfo.InvariantCulture, $"Pupil:      {alert.UserLogin} on {alert.DeviceId}")
                .AppendLine(CultureInfo.InvariantCulture, $"Matched:    {string.Join(", ", alert.Matches.Select(m => m.Text).Distinct())}");
        }

        body.AppendLine()
            .AppendLine("This message deliberately contains no pupil details. Do not forward it outside the safeguarding team.");

        var message = new MailMessage(options.FromAddress, recipient)
        {
            Subject = $"[AlertPipeline] {severity}: {categories} alert at {schoolName}",
            Body = body.ToString(),
            BodyEncoding = Encoding.UTF8,
            SubjectEncoding = Encoding.UTF8,
            // Quoted-printable keeps the .eml readable as text, for the outbox folder and for mail-server logs.
            BodyTransferEncoding = System.Net.Mime.TransferEncoding.QuotedPrintable,
        };
        message.Headers.Add("X-AlertPipeline-Alert", alert.AlertId);
        message.Headers.Add("X-AlertPipeline-Severity", alert.Severity.ToName());
        if (alert.Severity >= Severity.Urgent)
        {
            message.Priority = MailPriority.High;
        }

        return message;
    }

    private static TimeZoneInfo FindUkTime()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.Utc; // Minimal containers may lack tzdata; UTC is then stated by the offset.
        }
    }
}
