using AlertPipeline.Schools;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Notifications;
using AlertPipeline.Storage;
using AlertPipeline.Tests.Support;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Notifications;

/// <summary>In an alert storm the outbox is claimed most important first (real SQLite file).</summary>
public sealed class OutboxPriorityTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 11, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly AlertStore _store;
    private readonly NotificationOutbox _outbox;

    public OutboxPriorityTests()
    {
        _store = new AlertStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }));
        _outbox = new NotificationOutbox(_store, _clock);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Due_ManyOlderHighThenOneCritical_CriticalIsClaimedFirstThenUrgentThenHigh()
    {
        // 300 high notifications written first (a storm's backlog), then an urgent and a critical one a second later.
        for (var i = 0; i < 300; i++)
        {
            Store($"high-{i}", Severity.High, Start.AddMilliseconds(i));
        }

        var urgent = Store("urgent", Severity.Urgent, Start.AddSeconds(1));
        var critical = Store("critical", Severity.Critical, Start.AddSeconds(2));
        _clock.Advance(TimeSpan.FromSeconds(3));

        var due = _outbox.Due(100);

        Assert.Equal(100, due.Count);
        Assert.Equal(critical, due[0].AlertId);
        Assert.Equal(urgent, due[1].AlertId);
        Assert.Equal(Id("high-0"), due[2].AlertId); // then the oldest high
    }

    [Fact]
    public void Due_HeldCriticalNotYetDue_IsNotClaimedBeforeItsTime()
    {
        Store("high", Severity.High, Start);
        Store("held", Severity.Critical, Start, notBefore: Start.AddHours(1));

        var due = Assert.Single(_outbox.Due(100));

        Assert.Equal(Id("high"), due.AlertId);
    }

    private static string Id(string eventId) => Alert.IdFor(new Events.EventKey("oakfield", "dev-1", eventId), "r");

    private string Store(string eventId, Severity severity, DateTimeOffset at, DateTimeOffset? notBefore = null)
    {
        var alert = new Alert(Id(eventId), eventId, "r", "oakfield", "dev-1", "pupil-" + eventId, at, "search", null, null, null,
            "text", "text", ["suicide"], severity, [], "v1", AlertStatus.New, at, at);
        var notification = OutboxNotification.For(alert.AlertId, new Schools.Target("dsl@oakfield.example", NotificationChannels.Email), NotificationKinds.Alert, notBefore);
        Assert.Single(_store.Save([(alert, [notification])]));
        return alert.AlertId;
    }
}
