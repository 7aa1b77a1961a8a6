using AlertPipeline.Schools;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Events;
using AlertPipeline.Notifications;
using AlertPipeline.Storage.Postgres;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Responder;

/// <summary>
/// Two responders (each the real host in the respond role, with its own data directory as on two machines) drain
/// one outbox in a real PostgreSQL into a real SMTP server (aiosmtpd): every email arrives exactly once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresOutboxDeliveryTests(PostgresCluster cluster)
{
    [Fact]
    public async Task Dispatch_TwoRespondersOnOnePostgresOutbox_EachEmailReceivedExactlyOnce()
    {
        await using var smtp = await SmtpServer.StartAsync();
        var connectionString = await cluster.CreateDatabaseAsync("outbox");
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        await using var a = await PostgresResponder.StartAsync(connectionString, first.Path, ResponderConfig.For(smtp));
        await using var b = await PostgresResponder.StartAsync(connectionString, second.Path, ResponderConfig.For(smtp));

        // 150 alerts written as a detect process writes them, each with an email to the DSL and to the deputy.
        var now = DateTimeOffset.UtcNow;
        using (var database = new PostgresDatabase(connectionString))
        {
            var store = new PostgresAlertStore(database, TimeProvider.System);
            var alerts = Enumerable.Range(0, 150).Select(i =>
            {
                var alert = new Alert(Alert.IdFor(new EventKey("oakfield", "OAK-1", $"e-{i}"), "r"), $"e-{i}", "r", "oakfield", "OAK-1", "oak.y9.jsmith", now,
                    "search", null, null, null, "i want to die", "i want to die", ["suicide"], Severity.Urgent, [], "v1", AlertStatus.New, now, now);
                IReadOnlyList<OutboxNotification> notifications =
                [
                    OutboxNotification.For(alert.AlertId, new Schools.Target(ResponderConfig.Dsl, NotificationChannels.Email), NotificationKinds.Alert),
                    OutboxNotification.For(alert.AlertId, new Schools.Target(ResponderConfig.Deputy, NotificationChannels.Email), NotificationKinds.Alert),
                ];
                return (alert, notifications);
            }).ToList();
            Assert.Equal(150, store.Save(alerts, []).Count);
        }

        var mail = await Eventually.ReturnsAsync(() => smtp.Messages(), m => m.Count >= 300, "300 emails", TimeSpan.FromSeconds(120));
        await Task.Delay(TimeSpan.FromSeconds(2)); // a duplicate would arrive late, from the responder that lost the race

        mail = smtp.Messages();
        Assert.Equal(300, mail.Count);
        Assert.Equal(300, mail.Select(m => m.NotificationId).Distinct().Count());
        Assert.Equal(150, mail.Count(m => m.To == ResponderConfig.Deputy));
        var outbox = a.Services.GetRequiredService<INotificationOutbox>();
        Assert.IsType<PostgresNotificationOutbox>(outbox);
        Assert.All(outbox.List(), row => Assert.Equal((NotificationOutbox.Sent, 1), (row.Status, row.Attempts)));
    }
}
