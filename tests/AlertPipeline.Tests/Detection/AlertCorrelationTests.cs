using System.Text;
using AlertPipeline.Detection;
using AlertPipeline.Queue;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Detection;

/// <summary>Rules above single events, through the real worker and alert store: grouping and trajectories.</summary>
public sealed class AlertCorrelationTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UtcNow.AddDays(-3);
    private TestHost _host = null!;
    private DetectionWorker _worker = null!;
    private long _offset;

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync();
        _worker = _host.App.Services.GetServices<IHostedService>().OfType<DetectionWorker>().Single();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public void SentenceTypedLetterByLetter_IsOneAlertWithACountAndTheFullText()
    {
        Process(
            Some.Event("i want to die", source: "typed", occurredAt: T0),
            Some.Event("i want to die n", source: "typed", occurredAt: T0.AddSeconds(1)),
            Some.Event("i want to die now", source: "typed", occurredAt: T0.AddSeconds(2)));

        var alert = Assert.Single(_host.Alerts.List(new()));
        Assert.Equal(3, alert.EventCount);
        Assert.Equal("i want to die now", alert.Text);
        Assert.Equal(T0.AddSeconds(2).ToUnixTimeMilliseconds(), alert.LastEventAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void SameSearchRepeated_IsOneAlertWithACount()
    {
        Process(Enumerable.Range(0, 5).Select(i => Some.Event("how to kill myself", occurredAt: T0.AddMinutes(i))).ToArray());

        Assert.Equal(5, Assert.Single(_host.Alerts.List(new())).EventCount);
    }

    [Fact]
    public void SameSearchAfterTheWindow_IsANewAlert()
    {
        Process(Some.Event("how to kill myself", occurredAt: T0));
        Process(Some.Event("how to kill myself", occurredAt: T0.AddMinutes(30)));

        Assert.Equal(2, _host.Alerts.List(new()).Count);
    }

    [Fact]
    public void DifferentConcernsOrPupils_AreNeverMerged()
    {
        Process(
            Some.Event("how to kill myself", occurredAt: T0),
            Some.Event("where to buy a zombie knife", occurredAt: T0.AddSeconds(5)),
            Some.Event("how to kill myself", userLogin: "oak.y9.other", occurredAt: T0.AddSeconds(10)));

        Assert.Equal(3, _host.Alerts.List(new()).Count);
    }

    [Fact]
    public void Redelivery_DoesNotCountTheSameEventTwice()
    {
        var first = Some.Event("how to kill myself", occurredAt: T0);
        var second = Some.Event("how to kill myself", occurredAt: T0.AddMinutes(1));
        var batch = new[] { Consumed(first), Consumed(second) };

        _worker.Process(batch);
        _worker.Process(batch);

        Assert.Equal(2, Assert.Single(_host.Alerts.List(new())).EventCount);
    }

    [Fact]
    public void ThreeMediumSignalsInAWeek_RaiseOneHighTrajectoryAlert()
    {
        Process(Some.Event("best online casino sites", occurredAt: T0));
        Process(Some.Event("bet365 login", occurredAt: T0.AddDays(1)));
        Assert.DoesNotContain(_host.Alerts.List(new()), a => a.Rule.StartsWith("trajectory/", StringComparison.Ordinal));

        Process(Some.Event("best online casino sites", occurredAt: T0.AddDays(2)));

        var trajectory = Assert.Single(_host.Alerts.List(new()), a => a.Rule.StartsWith("trajectory/gambling/", StringComparison.Ordinal));
        Assert.Equal(AlertPipeline.Detection.Severity.High, trajectory.Severity);
        Assert.Equal(["gambling"], trajectory.Categories);
    }

    [Fact]
    public void Trajectory_StateRebuiltFromStore_StillCountsEarlierSignals()
    {
        Process(Some.Event("best online casino sites", occurredAt: T0));
        Process(Some.Event("bet365 login", occurredAt: T0.AddDays(1)));

        // What a restart (or a failed batch) does: the in-memory state is dropped and rebuilt from stored alerts.
        _host.App.Services.GetRequiredService<AlertCorrelator>().Invalidate();
        Process(Some.Event("best online casino sites", occurredAt: T0.AddDays(2)));

        Assert.Single(_host.Alerts.List(new()), a => a.Rule.StartsWith("trajectory/gambling/", StringComparison.Ordinal));
    }

    [Fact]
    public void Grouping_StateRebuiltFromStore_StillMergesIntoTheOpenAlert()
    {
        Process(Some.Event("how to kill myself", occurredAt: T0));
        _host.App.Services.GetRequiredService<AlertCorrelator>().Invalidate();
        Process(Some.Event("how to kill myself", occurredAt: T0.AddMinutes(2)));

        Assert.Equal(2, Assert.Single(_host.Alerts.List(new())).EventCount);
    }

    private void Process(params System.Text.Json.Nodes.JsonObject[] events) => _worker.Process(events.Select(Consumed).ToList());

    private ConsumedEvent Consumed(System.Text.Json.Nodes.JsonObject e) =>
        new(new EventPosition(0, Interlocked.Increment(ref _offset)), e["eventId"]!.GetValue<string>(), Encoding.UTF8.GetBytes(e.ToJsonString()), DateTimeOffset.UtcNow);
}
