using System.Globalization;
using System.Text.Json;
using AlertPipeline.Alerts;
using AlertPipeline.Storage;
using AlertPipeline.Detection;
using AlertPipeline.Notifications;
using AlertPipeline.Schools;

namespace AlertPipeline.Digests;

/// <summary>The period a digest covers: a school (or <c>*</c> for the whole trust) and [From, To).</summary>
internal sealed record DigestPeriod(string SchoolId, DateTimeOffset From, DateTimeOffset To)
{
    public const string WholeTrust = "*";

    public string Subject => string.Create(CultureInfo.InvariantCulture, $"{SchoolId}|{From.ToUnixTimeMilliseconds()}|{To.ToUnixTimeMilliseconds()}");

    public static DigestPeriod? Parse(string subject)
    {
        var parts = subject.Split('|');
        return parts.Length == 3
               && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var from)
               && long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var to)
            ? new DigestPeriod(parts[0], DateTimeOffset.FromUnixTimeMilliseconds(from), DateTimeOffset.FromUnixTimeMilliseconds(to))
            : null;
    }
}

/// <summary>An alert as a digest counts it: no text, no pupil.</summary>
internal sealed record DigestAlert(string AlertId, string SchoolId, DateTimeOffset CreatedAt, Severity Severity, IReadOnlyList<string> Categories, string Status);

/// <summary>
/// What the daily digest (the lower-severity alerts a school's DSL was not told about at once) and the weekly summary
/// (counts by severity, category and status, and what is still open) say. Read from the alert store when sent.
/// </summary>
internal sealed class DigestReports(IAlertStore store, SchoolDirectory schools)
{
    private const int MaxListed = 200;

    public IReadOnlyList<DigestAlert> AlertsIn(DigestPeriod period)
    {
        using var connection = store.Open();
        return connection.Command("""
                SELECT alert_id, school_id, created_at, severity, categories, status FROM alerts
                WHERE (@school = '*' OR school_id = @school) AND created_at >= @from AND created_at < @to AND is_test = 0
                ORDER BY created_at, alert_id
                """)
            .With("@school", period.SchoolId).With("@from", period.From.ToUnixTimeMilliseconds()).With("@to", period.To.ToUnixTimeMilliseconds())
            .Rows(r => new DigestAlert(
                r.GetString(0), r.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)), (Severity)r.GetInt32(3),
                JsonSerializer.Deserialize<List<string>>(r.GetString(4))!, r.GetString(5)));
    }

    /// <summary>The alerts of a daily digest: at or above the school's DigestFrom and below its NotifyAtOnce.</summary>
    public IReadOnlyList<DigestAlert> DailyAlerts(DigestPeriod period)
    {
        var school = schools.For(period.SchoolId);
        return AlertsIn(period).Where(a => a.Severity >= school.DigestFrom && a.Severity < school.NotifyAtOnce).ToList();
    }

    public NotificationMessage? Compose(string notificationId, string kind, string subject, string consoleBaseUrl)
    {
        if (DigestPeriod.Parse(subject) is not { } period)
        {
            return null;
        }

        var trust = period.SchoolId == DigestPeriod.WholeTrust;
        var school = trust ? null : schools.For(period.SchoolId);
        var zone = school?.Hours.Zone ?? SchoolHours.FindTimeZone("Europe/London") ?? TimeZoneInfo.Utc;
        var name = school?.Name ?? schools.TrustName;
        var range = $"{NotificationMessage.LocalTime(period.From, zone)} to {NotificationMessage.LocalTime(period.To, zone)}";
        var link = consoleBaseUrl.TrimEnd('/') + "/alerts";
        var lines = new List<string>();
        List<(string, string)> facts;
        string title;
        string headline;
        if (kind == NotificationKinds.DailyDigest)
        {
            var alerts = DailyAlerts(period);
            title = $"[AlertPipeline] Daily digest: {alerts.Count} lower-severity alert(s) at {name}";
            headline = "Lower-severity alerts from the last school day. None was urgent enough to notify at once; please review them in the console.";
            facts = [("School", name), ("Period", range), ("Alerts", alerts.Count.ToString(CultureInfo.InvariantCulture))];
            lines.AddRange(alerts.Take(MaxListed).Select(a => string.Create(CultureInfo.InvariantCulture,
                $"{TimeZoneInfo.ConvertTime(a.CreatedAt, zone):ddd HH:mm}  {a.Severity.ToName().ToUpperInvariant(),-8}  {string.Join(", ", a.Categories),-30}  {a.Status,-12}  {consoleBaseUrl.TrimEnd('/')}/alerts/{a.AlertId}")));
            if (alerts.Count > MaxListed)
            {
                lines.Add($"... and {alerts.Count - MaxListed} more in the console.");
            }
        }
        else
        {
            var alerts = AlertsIn(period);
            var open = alerts.Count(a => a.Status == AlertStatus.New && a.Severity >= Severity.Urgent);
            title = $"[AlertPipeline] Weekly summary for {name}: {alerts.Count} alert(s)";
            headline = "The week's safeguarding alerts in numbers.";
            facts =
            [
                ("School", name),
                ("Period", range),
                ("Alerts", alerts.Count.ToString(CultureInfo.InvariantCulture)),
                ("Urgent or critical not yet acknowledged", open.ToString(CultureInfo.InvariantCulture)),
            ];
            lines.Add("By severity:");
            lines.AddRange(Enum.GetValues<Severity>().Reverse().Select(s => string.Create(CultureInfo.InvariantCulture, $"  {s.ToName(),-10}{alerts.Count(a => a.Severity == s)}")));
            lines.Add("By category:");
            lines.AddRange(alerts.SelectMany(a => a.Categories).GroupBy(c => c, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => string.Create(CultureInfo.InvariantCulture, $"  {g.Key,-28}{g.Count()}")));
            lines.Add("By status:");
            lines.AddRange(new[] { AlertStatus.New, AlertStatus.Acknowledged, AlertStatus.Resolved }
                .Select(s => string.Create(CultureInfo.InvariantCulture, $"  {s,-14}{alerts.Count(a => a.Status == s)}")));
            if (trust)
            {
                lines.Add("By school:");
                lines.AddRange(alerts.GroupBy(a => a.SchoolId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => string.Create(CultureInfo.InvariantCulture, $"  {schools.For(g.Key).Name,-28}{g.Count()}")));
            }
        }

        return new NotificationMessage(
            notificationId, kind, null, trust ? string.Empty : period.SchoolId, name, null, [], period.To,
            title, headline, facts, lines, link, NotificationMessage.NoPupilDetailFooter);
    }
}
