using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Escalation;
using AlertPipeline.Events;
using AlertPipeline.Notifications;
using AlertPipeline.Schools;
using AlertPipeline.Storage.Postgres;
using AlertPipeline.Tests.Support;
using Quartz;

namespace AlertPipeline.Tests.Responder;

/// <summary>
/// Two responders (the real host in the respond role, each with its own data directory as on two machines) on one
/// real PostgreSQL, both due for the same escalation at the same moment: one runs it, and the deputy and then the
/// headteacher each receive one email at the real SMTP server.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresClusterJobsTests(PostgresCluster cluster)
{
    // Monday 23 November 2026, 11:00 UK time: school is open.
    private static readonly DateTimeOffset MondayMorning = new(2026, 11, 23, 11, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Escalation_TwoRespondersDueAtOnce_OneRunsEachStepAndEachEmailArrivesOnce()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var connectionString = await cluster.CreateDatabaseAsync("jobs");
        var clock = new FakeClock(MondayMorning);
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        await using var a = await PostgresResponder.StartAsync(connectionString, first.Path, ResponderConfig.For(smtp), ResponderConfig.Clock(clock));
        await using var b = await PostgresResponder.StartAsync(connectionString, second.Path, ResponderConfig.For(smtp), ResponderConfig.Clock(clock));
        using var database = new PostgresDatabase(connectionString);
        var store = new PostgresAlertStore(database, clock);
        var alert = new Alert(Alert.IdFor(new EventKey("oakfield", "OAK-1", "e-1"), "r"), "e-1", "r", "oakfield", "OAK-1", "oak.y9.jsmith", MondayMorning,
            "search", null, null, null, "how to kill myself", "how to kill myself", ["suicide"], Severity.Critical, [], "v1", AlertStatus.New, MondayMorning, MondayMorning);
        store.Save([(alert, [OutboxNotification.For(alert.AlertId, new Schools.Target(ResponderConfig.Dsl, NotificationChannels.Email), NotificationKinds.Alert)])], []);
        await Eventually.TrueAsync(() => smtp.Messages().Count == 1, "the DSL's email");
        var runners = new[] { a, b }.Select(h => h.Services.GetRequiredService<EscalationRunner>()).ToList();
        await TriggerBothAsync(a, b);
        await Eventually.TrueAsync(() => runners.Sum(r => r.Checks) >= 1, "a check at the start");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var checksBefore = runners.Sum(r => r.Checks);

        // Ten minutes on, both are due for step 1; each is fired three times at that instant.
        clock.Advance(TimeSpan.FromMinutes(10));
        await TriggerBothAsync(a, b);
        await Eventually.TrueAsync(() => smtp.Messages().Any(m => m.To == ResponderConfig.Deputy), "the deputy's escalation");
        await TriggerBothAsync(a, b);
        await TriggerBothAsync(a, b);
        await Task.Delay(TimeSpan.FromSeconds(2)); // a second run, or its email, would land now

        Assert.Equal(1, runners.Sum(r => r.Checks) - checksBefore);
        Assert.Single(smtp.Messages(), m => m.To == ResponderConfig.Deputy);

        clock.Advance(TimeSpan.FromMinutes(10));
        await TriggerBothAsync(a, b);
        await Eventually.TrueAsync(() => smtp.Messages().Any(m => m.To == ResponderConfig.Head), "the headteacher's escalation");
        await TriggerBothAsync(a, b);
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.Equal(2, runners.Sum(r => r.Checks) - checksBefore);
        var mail = smtp.Messages();
        Assert.Equal(3, mail.Count);
        Assert.Equal(["alert", "escalation-1", "escalation-2"], mail.Select(m => m.Kind).Order());
        Assert.Equal(2, AlertHistory.List(store, alert.AlertId).Count(h => h.Action == EscalationRunner.Escalated));
    }

    private static async Task TriggerBothAsync(params WebApplication[] hosts)
    {
        foreach (var host in hosts)
        {
            var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
            await scheduler.TriggerJob(EscalationRunner.JobKey);
        }
    }
}
