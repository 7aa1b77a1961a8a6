using System.Globalization;
using System.Text;
using AlertPipeline.Detection;
using AlertPipeline.Schools;

namespace AlertPipeline.Notifications;

/// <summary>
/// The trust's routing in plain words, read from what the responder itself resolves (<see cref="SchoolDirectory"/>),
/// so that what a DSL reads here is what will happen, defaults and fall-backs included.
/// </summary>
internal static class TrustDescription
{
    private static readonly DayOfWeek[] Week =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday];

    public static string Describe(SchoolDirectory schools, NotificationOptions notifications, string outboxFolder)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var trustDsl = schools.TrustDsl;
        text.AppendLine(inv, $"Trust: {schools.TrustName}");
        text.AppendLine(inv, $"  trust DSL       {Who(trustDsl)}");
        text.AppendLine(inv, $"                  {(schools.TrustCopyFrom is { } copy ? $"copied at once on every school's alerts of {Severities(copy)}" : "not copied on schools' alerts (CopyFrom: none)")};");
        text.AppendLine("                  told of every alert from a school not listed below, so no alert is left without a recipient");
        text.AppendLine(inv, $"  notifications   from {notifications.FromAddress}, {(notifications.Smtp.Host.Length > 0 ? $"through SMTP {notifications.Smtp.Host}:{notifications.Smtp.Port}{(notifications.Smtp.EnableSsl ? " with TLS" : "")}" : $"NOT sent: no Notifications:Smtp:Host, so they are written as .eml files to {outboxFolder}")}");
        text.AppendLine(inv, $"                  links point to {notifications.ConsoleBaseUrl}; pupil names and matched words {(notifications.IncludePupilDetail ? "ARE" : "are not")} in notifications unless a school says otherwise");

        var configured = schools.Configured.OrderBy(s => s.SchoolId, StringComparer.Ordinal).ToList();
        text.AppendLine();
        text.AppendLine(inv, $"{configured.Count} {(configured.Count == 1 ? "school" : "schools")}:");
        foreach (var school in configured)
        {
            var hours = school.Hours;
            text.AppendLine();
            text.AppendLine(inv, $"  {school.SchoolId} — {school.Name}");
            text.AppendLine(inv, $"    school hours    {Days(hours)} {hours.Start:HH\\:mm}–{hours.End:HH\\:mm}, {hours.Zone.Id}");
            text.AppendLine(inv, $"    told at once    {Who(school.Dsl)}, of {Severities(school.NotifyAtOnce)}");
            text.AppendLine(inv, $"    out of hours    {Severities(school.OutOfHoursAtOnce)} still sent at once; lower ones wait until the school next opens");
            text.AppendLine(inv, $"    daily digest    at {school.DailyDigestAt:HH\\:mm}: alerts of {Severities(school.DigestFrom)} not already sent at once");
            text.AppendLine(inv, $"    weekly summary  {school.WeeklyDay} {school.WeeklyAt:HH\\:mm}");
            var chain = school.EscalationChain(trustDsl);
            text.AppendLine(inv, $"    not acknowledged: critical after {Minutes(school.Escalation.Critical)}, urgent after {Minutes(school.Escalation.Urgent)}, and each further step after the same time again:");
            for (var i = 0; i < chain.Count; i++)
            {
                text.AppendLine(inv, $"      {i + 1}. {string.Join("; ", chain[i].Select(c => $"{c.Role} {Who(c)}"))}");
            }

            if (chain.Count == 0)
            {
                text.AppendLine("      nobody further: the DSL is the trust DSL");
            }

            text.AppendLine(inv, $"    pupil detail    {(school.IncludePupilDetail ? "pupil login and matched words are in notifications" : "notifications say only school, category and severity; the rest is in the console")}");
        }

        text.AppendLine();
        text.AppendLine("Term dates: none configured; this version has no term-date setting, so holidays count as school days (lower alerts wait for the next weekday's opening, not the next term).");
        text.AppendLine("On-call rota: none configured; this version has no rota setting, so the same chain applies at every hour.");
        return text.ToString();
    }

    private static string Who(Contact contact)
    {
        var name = contact.Name.Length > 0 ? contact.Name + " " : string.Empty;
        var targets = contact.Targets.Select(t => t.Channel == NotificationChannels.Email ? $"<{t.Recipient}>" : $"{t.Channel} {t.Recipient}");
        return name + string.Join(", ", targets);
    }

    private static string Severities(Severity from) =>
        from == Severity.Critical ? "critical severity" : $"{from.ToName()} severity and above";

    private static string Days(SchoolHours hours)
    {
        var open = Week.Where(hours.IsSchoolDay).Select(d => d.ToString()[..3]).ToList();
        return open.Count == 5 && !hours.IsSchoolDay(DayOfWeek.Saturday) && !hours.IsSchoolDay(DayOfWeek.Sunday) ? "Mon–Fri" : string.Join(", ", open);
    }

    private static string Minutes(TimeSpan span) =>
        span.TotalMinutes >= 1 && span.TotalMinutes % 1 == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0} min")
            : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0} s");
}
