using AlertPipeline.Detection.Alerts;
using AlertPipeline.Detection.Tests.Support;

namespace AlertPipeline.Detection.Tests.Alerts;

public sealed class AlertGrouperTests
{
    private static readonly Detector Detector = Some.Detector(
        Some.List("suicide", "i want to die,phrase,urgent,,,", "die,word,medium,,,", "suicid*,,high,,,"),
        Some.List("drugs", "weed,word,medium,,,"));

    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    private static PupilDetection Detect(string pupil, int seconds, string text, SourceKinds source = SourceKinds.Typed) =>
        new(pupil, T0.AddSeconds(seconds), source, Detector.Scan(text, source));

    [Fact]
    public void Add_SentenceTypedLetterByLetter_MergesIntoOneAlertWithCount()
    {
        var grouper = new AlertGrouper(TimeSpan.FromMinutes(10));
        var first = grouper.Add(Detect("p1", 0, "i want to die"));
        var second = grouper.Add(Detect("p1", 1, "i want to die n"));
        var third = grouper.Add(Detect("p1", 2, "i want to die now"));

        Assert.Equal(GroupingOutcome.Opened, first.Outcome);
        Assert.Equal(GroupingOutcome.Merged, third.Outcome);
        Assert.Equal(first.Alert.Key, third.Alert.Key);
        Assert.Equal(3, third.Alert.Count);
        Assert.Equal("i want to die now", third.Alert.NormalizedText);
        Assert.Single(grouper.OpenAlerts);
        Assert.False(second.SeverityRaised);
    }

    [Fact]
    public void Add_SameSearchRepeatedWithinWindow_Merges()
    {
        var grouper = new AlertGrouper(TimeSpan.FromMinutes(10));
        grouper.Add(Detect("p1", 0, "Suicide methods", SourceKinds.Search));
        var again = grouper.Add(Detect("p1", 300, "suicide METHODS", SourceKinds.Search));
        Assert.Equal((GroupingOutcome.Merged, 2), (again.Outcome, again.Alert.Count));
    }

    [Fact]
    public void Add_GrowingPrefixThatRaisesSeverity_MergesAndSaysSo()
    {
        var grouper = new AlertGrouper(TimeSpan.FromMinutes(10));
        grouper.Add(Detect("p1", 0, "i want to d i e"));
        var result = grouper.Add(Detect("p1", 1, "i want to die"));
        Assert.Equal(GroupingOutcome.Merged, result.Outcome);
    }

    [Theory]
    [InlineData("p2", 1, "i want to die")]
    [InlineData("p1", 601, "i want to die")]
    [InlineData("p1", 1, "smoking weed")]
    [InlineData("p1", 1, "suicide is the answer")]
    public void Add_DifferentPupilLateOrDifferentConcern_OpensNewAlert(string pupil, int seconds, string text)
    {
        var grouper = new AlertGrouper(TimeSpan.FromMinutes(10));
        grouper.Add(Detect("p1", 0, "i want to die"));
        Assert.Equal(GroupingOutcome.Opened, grouper.Add(Detect(pupil, seconds, text)).Outcome);
    }

    [Fact]
    public void Add_TypingContinuesIntoFurtherRules_MergesAndKeepsAllRules()
    {
        var grouper = new AlertGrouper(TimeSpan.FromMinutes(10));
        grouper.Add(Detect("p1", 0, "i want to die"));
        var result = grouper.Add(Detect("p1", 5, "i want to die, suicide is the answer"));
        Assert.Equal(GroupingOutcome.Merged, result.Outcome);
        Assert.Contains("suicide/suicid", result.Alert.Rules);
        Assert.Contains("suicide/i want to die", result.Alert.Rules);
    }

    [Fact]
    public void Rehydrate_OpenAlertsFromStore_ContinuesGrouping()
    {
        var grouper = new AlertGrouper(TimeSpan.FromMinutes(10));
        var opened = grouper.Add(Detect("p1", 0, "i want to die")).Alert;

        var restarted = AlertGrouper.Rehydrate(TimeSpan.FromMinutes(10), [opened]);
        var result = restarted.Add(Detect("p1", 30, "i want to die"));

        Assert.Equal((GroupingOutcome.Merged, opened.Key, 2), (result.Outcome, result.Alert.Key, result.Alert.Count));
    }

    [Fact]
    public void Expire_PastWindow_DropsOpenGroups()
    {
        var grouper = new AlertGrouper(TimeSpan.FromMinutes(10));
        grouper.Add(Detect("p1", 0, "i want to die"));
        grouper.Expire(T0.AddMinutes(11));
        Assert.Empty(grouper.OpenAlerts);
    }

    [Fact]
    public void Add_UnflaggedResult_IsRejected() =>
        Assert.Throws<ArgumentException>(() => new AlertGrouper(TimeSpan.FromMinutes(1)).Add(Detect("p1", 0, "hello")));
}
