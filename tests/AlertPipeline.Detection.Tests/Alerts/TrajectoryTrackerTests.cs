using AlertPipeline.Detection.Alerts;

namespace AlertPipeline.Detection.Tests.Alerts;

public sealed class TrajectoryTrackerTests
{
    private static readonly DateTimeOffset Day0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static RiskSignal Signal(double day, Severity severity = Severity.Medium, string category = "self-harm", string pupil = "p1") =>
        new(pupil, category, severity, Day0.AddDays(day), $"{category}/term{day}");

    [Fact]
    public void Record_ThirdLowerSignalWithinSevenDays_RaisesHighAlert()
    {
        var tracker = new TrajectoryTracker();
        Assert.Null(tracker.Record(Signal(0)));
        Assert.Null(tracker.Record(Signal(2, Severity.Low)));
        var alert = tracker.Record(Signal(6.5));

        Assert.NotNull(alert);
        Assert.Equal(Severity.High, alert.Severity);
        Assert.Equal(3, alert.Signals.Count);
        Assert.Equal(Day0, alert.From);
        Assert.StartsWith("trajectory/self-harm/3-in-", alert.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Record_SignalsSpreadOverMoreThanWindow_DoNotAlert()
    {
        var tracker = new TrajectoryTracker();
        tracker.Record(Signal(0));
        tracker.Record(Signal(4));
        Assert.Null(tracker.Record(Signal(8)));
    }

    [Fact]
    public void Record_DifferentCategoriesOrPupils_CountSeparately()
    {
        var tracker = new TrajectoryTracker();
        tracker.Record(Signal(0, category: "self-harm"));
        tracker.Record(Signal(1, category: "drugs"));
        Assert.Null(tracker.Record(Signal(2, pupil: "p2")));
        Assert.Null(tracker.Record(Signal(3, category: "self-harm")));
    }

    [Fact]
    public void Record_HighSignals_AreNotCounted()
    {
        var tracker = new TrajectoryTracker();
        tracker.Record(Signal(0, Severity.High));
        tracker.Record(Signal(1, Severity.Urgent));
        Assert.Null(tracker.Record(Signal(2)));
    }

    [Fact]
    public void Record_AfterAlert_NeedsFreshSignalsForTheNext()
    {
        var tracker = new TrajectoryTracker();
        tracker.Record(Signal(0));
        tracker.Record(Signal(1));
        Assert.NotNull(tracker.Record(Signal(2)));
        Assert.Null(tracker.Record(Signal(3)));
        Assert.Null(tracker.Record(Signal(4)));
        Assert.NotNull(tracker.Record(Signal(5)));
    }

    [Fact]
    public void Record_LateSignalOutOfOrder_CountsByEventTime()
    {
        var tracker = new TrajectoryTracker();
        tracker.Record(Signal(5));
        tracker.Record(Signal(6));
        Assert.NotNull(tracker.Record(Signal(1))); // synced late: days 1, 5 and 6 fit in one week
    }

    [Fact]
    public void Rehydrate_FromStoredSignalsAndAlerts_ContinuesWhereItLeftOff()
    {
        var restarted = TrajectoryTracker.Rehydrate(null, [Signal(0), Signal(1)], []);
        Assert.NotNull(restarted.Record(Signal(2)));

        var afterAlert = TrajectoryTracker.Rehydrate(null, [Signal(0), Signal(1), Signal(2)], [("p1", "self-harm", Day0.AddDays(2))]);
        Assert.Null(afterAlert.Record(Signal(3)));
        Assert.Single(afterAlert.Snapshot());
    }
}
