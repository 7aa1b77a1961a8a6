using AlertPipeline.Alerts;
using AlertPipeline.Digests;
using AlertPipeline.Notifications;
using AlertPipeline.Tests.Support;
using Quartz;

namespace AlertPipeline.Tests.Responder;

/// <summary>The daily digest and the weekly summary: the Quartz job, a fake clock, and the real SMTP server.</summary>
[Collection(ResponderCollection.Name)]
public sealed class DigestTests
{
    // Monday 23 November 2026, 11:00 UK time.
    private static readonly DateTimeOffset MondayMorning = new(2026, 11, 23, 11, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task DailyDigest_LowerSeverityAlerts_SentAtDigestTimeListingThemWithoutPupilText()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var clock = new FakeClock(MondayMorning);
        await using var host = await TestHost.StartAsync(
            ResponderConfig.For(smtp, ("Trust:Schools:oakfield:NotifyAtOnce", "urgent"), ("Trust:Schools:oakfield:Digest:DailyAt", "15:30")),
            configureServices: ResponderConfig.Clock(clock));
        host.UseKey();
        await RunDigestJobAsync(host, clock); // First run: records where periods start.

        await host.PostEventsAsync(
            Some.Event("being bullied", occurredAt: MondayMorning.AddMinutes(-1)),
            Some.Event("i am being bullied", occurredAt: MondayMorning.AddMinutes(-1)),
            Some.Event("i want to die", occurredAt: MondayMorning.AddMinutes(-1)));
        await Eventually.TrueAsync(() => host.Alerts.Count() == 3, "three alerts");
        await Eventually.TrueAsync(() => smtp.Messages().Count(m => m.Kind == "alert") == 1, "the urgent alert's email");
        var lower = host.Alerts.List(new()).Where(a => a.Severity < AlertPipeline.Detection.Severity.Urgent).ToList();
        Assert.Equal(2, lower.Count);

        clock.Advance(TimeSpan.FromHours(4) + TimeSpan.FromMinutes(29)); // 15:29
        await RunDigestJobAsync(host, clock);
        Assert.DoesNotContain(Outbox(host).List(), r => r.Kind == NotificationKinds.DailyDigest);

        clock.Advance(TimeSpan.FromMinutes(1)); // 15:30
        await RunDigestJobAsync(host, clock);
        var digest = Assert.Single(await Eventually.ReturnsAsync(() => smtp.Messages().Where(m => m.Kind == "digest-daily").ToList(), m => m.Count >= 1, "the daily digest"));
        Assert.Equal(ResponderConfig.Dsl, digest.To);
        Assert.Equal("[AlertPipeline] Daily digest: 2 lower-severity alert(s) at Oakfield Academy", digest.Subject);
        Assert.All(lower, a => Assert.Contains($"/alerts/{a.AlertId}", digest.Body, StringComparison.Ordinal));
        Assert.DoesNotContain("/alerts/" + host.Alerts.List(new()).Single(a => a.Severity == AlertPipeline.Detection.Severity.Urgent).AlertId, digest.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("bullied", digest.Body, StringComparison.Ordinal);

        // Running again at the same or a later time of the same period sends nothing more.
        clock.Advance(TimeSpan.FromMinutes(30));
        await RunDigestJobAsync(host, clock);
        await EscalationTests.WaitForOutboxDrainedAsync(host);
        Assert.Single(smtp.Messages(), m => m.Kind == "digest-daily");
    }

    [Fact]
    public async Task WeeklySummary_Monday0900_CountsTheWeekToDslAndHeadteacher()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var clock = new FakeClock(MondayMorning);
        await using var host = await TestHost.StartAsync(ResponderConfig.For(smtp), configureServices: ResponderConfig.Clock(clock));
        host.UseKey();
        await RunDigestJobAsync(host, clock);

        await host.PostEventsAsync(
            Some.Event("being bullied", occurredAt: MondayMorning.AddMinutes(-1)),
            Some.Event("i want to die", occurredAt: MondayMorning.AddMinutes(-1)),
            Some.Event("how to kill myself tonight", occurredAt: MondayMorning.AddMinutes(-1)));
        await Eventually.TrueAsync(() => host.Alerts.Count() == 3, "three alerts");
        var critical = host.Alerts.List(new()).Single(a => a.Severity == AlertPipeline.Detection.Severity.Critical);
        host.App.Services.GetRequiredService<AlertPipeline.Triage.IAlertTriage>().Acknowledge(critical.AlertId, "a.patel");

        clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1)); // next Monday 08:59
        await RunDigestJobAsync(host, clock);
        Assert.DoesNotContain(Outbox(host).List(), r => r.Kind == NotificationKinds.WeeklySummary);

        clock.Advance(TimeSpan.FromMinutes(1)); // Monday 09:00
        await RunDigestJobAsync(host, clock);
        await Eventually.TrueAsync(() => smtp.Messages().Any(m => m.Kind == "digest-weekly"), "the weekly summaries");
        await EscalationTests.WaitForOutboxDrainedAsync(host);
        // Every configured school gets its own (appsettings.json has three); the trust DSL one for the whole trust.
        var weekly = smtp.Messages().Where(m => m.Kind == "digest-weekly").ToList();
        Assert.Equal(["dsl@hillcrest.example", ResponderConfig.Dsl, "dsl@riverside.example", ResponderConfig.Head, ResponderConfig.TrustDsl],
            weekly.Select(m => m.To).Order(StringComparer.Ordinal));
        var school = weekly.Single(m => m.To == ResponderConfig.Dsl);
        Assert.Equal("[AlertPipeline] Weekly summary for Oakfield Academy: 3 alert(s)", school.Subject);
        Assert.Matches(@"Urgent or critical not yet acknowledged:\s*1\n", school.Body);
        Assert.Matches(@"critical\s+1", school.Body);
        Assert.Matches(@"urgent\s+1", school.Body);
        Assert.Matches(@"acknowledged\s+1", school.Body);
        Assert.Matches(@"suicide\s+2", school.Body);
        Assert.Contains("By school:", weekly.Single(m => m.To == ResponderConfig.TrustDsl).Body, StringComparison.Ordinal);
    }

    [Fact]
    public void DigestPeriod_Subject_RoundTrips()
    {
        var period = new DigestPeriod("oakfield", MondayMorning, MondayMorning.AddDays(1));
        Assert.Equal(period, DigestPeriod.Parse(period.Subject));
        Assert.Null(DigestPeriod.Parse("oakfield|x|1"));
    }

    /// <summary>Fires the Quartz digest job and waits until its run at the current fake time has committed.</summary>
    private static async Task RunDigestJobAsync(TestHost host, FakeClock clock)
    {
        var scheduler = await host.App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var runs = host.App.Services.GetRequiredService<DigestScheduler>();
        var now = clock.GetUtcNow();
        await scheduler.TriggerJob(AlertPipeline.Digests.DigestScheduler.JobKey);
        await Eventually.TrueAsync(() => runs.LastRunAt >= now, "a digest run at the current time");
    }

    private static NotificationOutbox Outbox(TestHost host) => host.App.Services.GetRequiredService<NotificationOutbox>();
}
