using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Pipeline;

public sealed class EndToEndTests
{
    [Fact]
    public async Task ConcerningEvent_BecomesAlertAndEmlToSchoolDsl()
    {
        await using var host = await TestHost.StartAsync();
        host.UseKey("*");
        var e = Some.Event("i want to die", school: "riverside", source: "chat");
        e["screenshotRef"] = "sha256:" + new string('b', 64);
        e["app"] = "teams";

        await host.PostEventsAsync(e, Some.Event("homework on photosynthesis", school: "riverside"));

        var alert = await Eventually.ReturnsAsync(() => host.Alerts.List(new()), a => a.Count > 0, "an alert");
        var only = Assert.Single(alert);
        Assert.Equal(e["eventId"]!.GetValue<string>(), only.EventId);
        Assert.Equal("riverside", only.SchoolId);
        Assert.Equal("oak.y9.jsmith", only.UserLogin);
        Assert.Equal("chat", only.Source);
        Assert.Equal("teams", only.App);
        Assert.Equal("sha256:" + new string('b', 64), only.ScreenshotRef);
        Assert.Contains("suicide", only.Categories);
        Assert.Equal("new", only.Status);
        Assert.Contains(only.Matches, m => m.Category == "suicide" && only.Text.Substring(m.Start, m.Length) == "i want to die");

        var eml = await Eventually.ReturnsAsync(
            () => Directory.Exists(host.OutboxDirectory) ? Directory.GetFiles(host.OutboxDirectory, "*.eml") : [],
            f => f.Length > 0, "an .eml in the outbox");
        var mail = ReceivedMail.Load(Assert.Single(eml));
        Assert.Equal("dsl@riverside.example", mail.To);
        Assert.Contains("Riverside High School", mail.Body, StringComparison.Ordinal);
        Assert.Equal(only.AlertId, mail.AlertId);
        Assert.Contains(only.AlertId, mail.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("want to die", mail.Body, StringComparison.Ordinal); // no pupil text by default
        Assert.DoesNotContain("want to die", await File.ReadAllTextAsync(mail.File), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertBelowNotifySeverity_IsStoredButNotEmailed()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Notifications:MinimumSeverity"] = "critical" });
        host.UseKey();

        await host.PostEventsAsync(Some.ConcerningEvent());

        await Eventually.TrueAsync(() => host.Alerts.Count() == 1, "the alert");
        var outbox = host.App.Services.GetRequiredService<AlertPipeline.Notifications.NotificationOutbox>();
        Assert.Equal((0, 0, 0), outbox.Counts());
    }

    [Fact]
    public async Task SchoolWithoutDsl_NotifiesTrustDsl()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Trust:Schools:lakeside:Name"] = "Lakeside (no DSL yet)" });
        host.UseKey("*");

        await host.PostEventsAsync(Some.Event("i want to die", school: "lakeside"));

        var eml = await Eventually.ReturnsAsync(
            () => Directory.Exists(host.OutboxDirectory) ? Directory.GetFiles(host.OutboxDirectory, "*.eml") : [],
            f => f.Length > 0, "an .eml in the outbox");
        Assert.Equal("trust-dsl@northbridge.example", ReceivedMail.Load(eml[0]).To);
    }

    /// <summary>
    /// docs/delivery.md, embedded queue: a poison event (one that passed no ingest validation: written to queue.db by
    /// a raw producer) is kept in dead_letters with its reason and payload, and the stream moves on to the next event.
    /// </summary>
    [Fact]
    public async Task PoisonEventInTheQueue_KeptAsDeadLetterWithReason_AndTheNextEventIsProcessed()
    {
        await using var host = await TestHost.StartAsync();
        host.UseKey();
        var queue = host.App.Services.GetRequiredService<AlertPipeline.Queue.SqliteEventQueue>();
        const string poison = "{\"eventId\": \"broken\", \"text\": ";
        await queue.PublishAsync([new AlertPipeline.Queue.QueuedEvent("broken", "oakfield", "OAK-LT-0001", "oak.y9.jsmith", System.Text.Encoding.UTF8.GetBytes(poison))], CancellationToken.None);
        var next = Some.ConcerningEvent();

        await host.PostEventsAsync(next);

        await Eventually.TrueAsync(() => host.Alerts.List(new()).Any(a => a.EventId == (string)next["eventId"]!), "the next event's alert");
        var dead = Assert.Single(DeadLetterRows.Read(host.Alerts));
        Assert.Equal("broken", dead.EventId);
        Assert.Contains("not valid JSON", dead.Reason, StringComparison.Ordinal);
        Assert.Equal(poison, dead.Payload);
    }
}
