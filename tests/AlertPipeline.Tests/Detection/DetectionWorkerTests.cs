using System.Text;
using AlertPipeline.Detection;
using AlertPipeline.Queue;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Detection;

/// <summary>Redelivery (after a crash or a Kafka rebalance) must not create a second alert or notification.</summary>
public sealed class DetectionWorkerTests
{
    [Fact]
    public async Task Process_SameBatchTwice_OneAlertAndOneNotification()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Detection:ReloadInterval"] = "01:00:00" });
        var worker = host.App.Services.GetServices<IHostedService>().OfType<DetectionWorker>().Single();
        var concerning = Some.Event("i want to die");
        var batch = new List<ConsumedEvent>
        {
            Consumed(1, concerning),
            Consumed(2, Some.Event("what time is lunch")),
        };

        worker.Process(batch);
        worker.Process(batch);

        var alerts = host.Alerts.List(new());
        Assert.Equal(concerning["eventId"]!.GetValue<string>(), Assert.Single(alerts).EventId);
        var outbox = host.App.Services.GetRequiredService<AlertPipeline.Notifications.NotificationOutbox>();
        await Eventually.TrueAsync(() => outbox.Counts().Sent == 1, "the one notification to be sent");
        Assert.Equal(0, outbox.Counts().Pending);
    }

    [Fact]
    public async Task Process_PoisonRecord_IsDeadLetteredWithReasonAndTheRestIsProcessed()
    {
        await using var host = await TestHost.StartAsync();
        var worker = host.App.Services.GetServices<IHostedService>().OfType<DetectionWorker>().Single();
        var good = Some.Event("i want to die");

        worker.Process([
            new ConsumedEvent(new EventPosition(0, 7), "bad-1", Encoding.UTF8.GetBytes("{\"eventId\":\"bad-1\",\"text\":42}"), DateTimeOffset.UtcNow),
            Consumed(8, good),
        ]);

        Assert.Single(host.Alerts.List(new()));
        var dead = DeadLetterRows.Read(host.Alerts)[0];
        Assert.Equal("bad-1", dead.EventId);
        Assert.Contains("must be a string", dead.Reason, StringComparison.Ordinal);
    }

    private static ConsumedEvent Consumed(long offset, System.Text.Json.Nodes.JsonObject e) =>
        new(new EventPosition(0, offset), e["eventId"]!.GetValue<string>(), Encoding.UTF8.GetBytes(e.ToJsonString()), DateTimeOffset.UtcNow);
}
