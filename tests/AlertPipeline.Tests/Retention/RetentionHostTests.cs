using AlertPipeline.Retention;
using AlertPipeline.Tests.Responder;
using AlertPipeline.Tests.Support;
using AlertPipeline.Triage;
using Quartz;

namespace AlertPipeline.Tests.Retention;

/// <summary>The retention job as the host runs it: Quartz, the real pipeline, a fake clock.</summary>
[Collection(ResponderCollection.Name)]
public sealed class RetentionHostTests
{
    [Fact]
    public async Task RetentionJob_InTheHost_MinimisesAnAlertClosedAsFalsePositiveOnceItsDaysHavePassed()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var clock = new FakeClock(new DateTimeOffset(2026, 11, 23, 11, 0, 0, TimeSpan.Zero));
        await using var host = await TestHost.StartAsync(
            ResponderConfig.For(smtp, ("Retention:NoConcernDays", "30")), configureServices: ResponderConfig.Clock(clock));
        host.UseKey();
        await host.PostEventsAsync(Some.Event("how to kill myself tonight", occurredAt: clock.GetUtcNow().AddMinutes(-1)));
        var alertId = (await Eventually.ReturnsAsync(() => smtp.Messages(), m => m.Count >= 1, "the DSL's email"))[0].AlertId;
        var triage = host.App.Services.GetRequiredService<IAlertTriage>();
        Assert.Equal(TriageResultKind.Done, triage.Resolve(alertId, "a.patel", TriageOutcomes.FalsePositive, null, null).Kind);
        var scheduler = await host.App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();

        clock.Advance(TimeSpan.FromDays(31));
        await scheduler.TriggerJob(RetentionRunner.JobKey);

        await Eventually.TrueAsync(() => host.Alerts.Get(alertId)!.UserLogin == RetentionRunner.Removed, "the alert minimised by the retention job");
        Assert.DoesNotContain("kill", host.Alerts.Get(alertId)!.Text, StringComparison.Ordinal);
    }
}
