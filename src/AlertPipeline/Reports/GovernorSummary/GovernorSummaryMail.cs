using System.Globalization;
using System.Net;
using AlertPipeline.Notifications;
using AlertPipeline.Reports.Suppression;

namespace AlertPipeline.Reports.GovernorSummary;

/// <summary>
/// The governor summary email: a short HTML body with the headline figures (already protected) and the PDF attached.
/// Composed when the outbox sends it, like digests, so it always reflects the store as it is.
/// </summary>
internal sealed class GovernorSummaryMail(GovernorReportBuilder reports)
{
    public NotificationMessage? Compose(string notificationId, string subject, string consoleBaseUrl)
    {
        if (ReportPeriod.Parse(subject) is not { } period)
        {
            return null;
        }

        var data = reports.Build(period);
        var pdf = GovernorPdf.Render(data);
        var link = $"{consoleBaseUrl.TrimEnd('/')}/summary";
        var outcome = data.Current.Table(GovernorReportBuilder.ByOutcome);
        string Cell(string key) => outcome.Withheld ? "withheld" : outcome.Cell(key)?.Display ?? "0";
        var facts = new List<(string, string)>
        {
            ("School", data.ScopeName),
            ("Period", period.Label),
            ("Alerts", data.Current.Total.Display),
            ("Previous period", data.Previous.Total.Display),
            ("Concerns confirmed", Cell("concern-confirmed")),
            ("Referrals", Cell("referred")),
        };
        var headline = $"The online safety monitoring summary for {data.ScopeName}, {period.Label}, is attached as a PDF. It reads in about five minutes.";
        var html = $"""
            <html><body style="font-family: sans-serif; color: #1f2a37">
            <p>{WebUtility.HtmlEncode(headline)}</p>
            <table cellpadding="4">{string.Concat(facts.Select(f => $"<tr><td>{WebUtility.HtmlEncode(f.Item1)}</td><td><strong>{WebUtility.HtmlEncode(f.Item2)}</strong></td></tr>"))}</table>
            <p>Governors and trust DSLs can also download it in the console: <a href="{WebUtility.HtmlEncode(link)}">{WebUtility.HtmlEncode(link)}</a></p>
            <p style="color: #5b6775; font-size: small">{WebUtility.HtmlEncode(SmallNumbers.Rule)} {WebUtility.HtmlEncode(NotificationMessage.NoPupilDetailFooter)}</p>
            </body></html>
            """;
        return new NotificationMessage(
            notificationId, GovernorSummaryScheduler.Kind, null, period.IsTrust ? string.Empty : period.SchoolId, data.ScopeName, null, [], data.GeneratedAt,
            $"[AlertPipeline] Governor summary: {data.ScopeName}, {period.Label}", headline, facts, [], link, NotificationMessage.NoPupilDetailFooter)
        {
            HtmlBody = html,
            Attachments = [new NotificationAttachment(FileName(period), "application/pdf", pdf)],
        };
    }

    public static string FileName(ReportPeriod period) =>
        string.Create(CultureInfo.InvariantCulture, $"governor-summary-{period.SchoolId}-{period.From:yyyy-MM-dd}-to-{period.To:yyyy-MM-dd}.pdf");
}
