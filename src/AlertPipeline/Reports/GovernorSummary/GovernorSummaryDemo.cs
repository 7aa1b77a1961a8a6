using AlertPipeline.Notifications;
using AlertPipeline.Schools;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Reports.GovernorSummary;

/// <summary>
/// For <c>alertpipeline demo</c>: a demo lasts seconds, so no month ends during it. At the end it sends the trust-wide
/// summary of this month so far to the trust's configured recipients, through the same scheduler, outbox and email
/// path as the monthly run, so the outbox holds a governor PDF to open.
/// </summary>
internal static class GovernorSummaryDemo
{
    public static string SendMonthToDate(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<GovernorSummaryOptions>>().Value;
        if (!options.Schools.TryGetValue(ReportPeriod.Trust, out var trust) || trust.Recipients.Count == 0)
        {
            return $"none (no {GovernorSummaryOptions.Section}:Schools:trust:Recipients configured)";
        }

        var reports = services.GetRequiredService<GovernorReportBuilder>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, reports.ZoneOf(ReportPeriod.Trust)).DateTime);
        var period = new ReportPeriod(ReportPeriod.Trust, new DateOnly(today.Year, today.Month, 1), today);
        var added = services.GetRequiredService<GovernorSummaryScheduler>()
            .Enqueue(period, trust.Recipients.Select(r => new Target(r.Email.Trim(), NotificationChannels.Email)), now);
        services.GetRequiredService<NotificationSignal>().Notify();
        return added == 0
            ? $"{period.Label} was already sent from this data directory"
            : $"{period.Label} (month to date) emailed to {string.Join(", ", trust.Recipients.Select(r => r.Email))} as {GovernorSummaryMail.FileName(period)}";
    }
}
