using AlertPipeline.Alerts;
using AlertPipeline.Audit;
using AlertPipeline.Detection;
using AlertPipeline.Ingest.Screenshots;
using AlertPipeline.Retention;
using AlertPipeline.Storage;
using AlertPipeline.Tests.Support;
using AlertPipeline.Triage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Retention;

/// <summary>The retention policy on a real alerts.db and screenshot folder, driven by a fake clock.</summary>
public sealed class RetentionTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 12, 10, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly AlertStore _store;
    private readonly ScreenshotStore _screenshots;
    private readonly AuditLog _audit;
    private readonly StoreAlertTriage _triage;
    private readonly RetentionRunner _retention;

    public RetentionTests()
    {
        var storage = Options.Create(new StorageOptions { DataDirectory = _dir.Path });
        _store = new AlertStore(storage);
        _screenshots = new ScreenshotStore(storage, TestStores.For(storage), _clock);
        _audit = new AuditLog(TestStores.For(storage), _clock);
        _triage = new StoreAlertTriage(_store, _clock);
        _retention = new RetentionRunner(_store, _screenshots, _audit, Options.Create(new RetentionOptions()), NullLogger<RetentionRunner>.Instance);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task FalsePositive_AfterNoConcernDays_LosesPupilDataButKeepsWhatSummariesCount()
    {
        var shot = await ScreenshotAsync(1);
        var falseAlarm = Store("ev-1", shot);
        var open = Store("ev-2", null);
        Assert.Equal(TriageResultKind.Done, _triage.AddNote(falseAlarm, "a.patel", "Spoke to Jake Smith: a film title").Kind);
        Assert.Equal(TriageResultKind.Done, _triage.Resolve(falseAlarm, "a.patel", TriageOutcomes.FalsePositive, null, "Jake's film homework").Kind);

        _clock.Advance(TimeSpan.FromDays(89));
        Assert.Equal((0, 0), _retention.Run(_clock.GetUtcNow()));
        Assert.Equal("jake.smith", _store.Get(falseAlarm)!.UserLogin);

        _clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal((1, 1), _retention.Run(_clock.GetUtcNow()));

        var minimised = _store.Get(falseAlarm)!;
        Assert.Equal(RetentionRunner.Removed, minimised.UserLogin);
        Assert.Equal(RetentionRunner.Removed, minimised.DeviceId);
        Assert.StartsWith("(removed on 2026-04-13", minimised.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("kill", minimised.Text, StringComparison.Ordinal);
        Assert.Equal(string.Empty, minimised.NormalizedText);
        Assert.Equal(string.Empty, minimised.Snippet);
        Assert.Null(minimised.ScreenshotRef);
        Assert.Null(minimised.Url);
        Assert.Null(minimised.GroupKey);
        Assert.Null(_screenshots.Find(shot));

        // Governors' summaries and IT's per-term counts still see it: school, time, categories, severity, rule, outcome.
        Assert.Equal("oakfield", minimised.SchoolId);
        Assert.Equal(["suicide"], minimised.Categories);
        Assert.Equal(Severity.Urgent, minimised.Severity);
        var match = Assert.Single(minimised.Matches);
        Assert.Equal(("suicide/kill myself", "suicide", string.Empty), (match.Rule, match.Category, match.Text));
        var history = AlertHistory.List(_store, falseAlarm);
        Assert.Null(Assert.Single(history, h => h.Action == "note").Detail);
        Assert.Equal("""{"outcome":"false-positive","reference":null}""", Assert.Single(history, h => h.Action == "resolved").Detail);
        Assert.Equal("system", Assert.Single(history, h => h.Action == RetentionRunner.MinimisedAction).Actor);

        // The open alert is untouched, whatever its age; the run is in the audit log; a second run does nothing.
        Assert.Equal("i want to kill myself", _store.Get(open)!.Text);
        var audit = Assert.Single(_audit.Read(), e => e.Action == AuditActions.Retention);
        Assert.Contains("minimised 1 closed alert(s)", audit.Detail, StringComparison.Ordinal);
        Assert.Equal((0, 0), _retention.Run(_clock.GetUtcNow()));
        Assert.Null(_audit.Verify());
    }

    [Fact]
    public void Referral_IsKeptForConcernDays_ThenMinimisedKeepingItsCaseReference()
    {
        var referred = Store("ev-3", null);
        _triage.Resolve(referred, "a.patel", TriageOutcomes.Referred, "CPOMS-4411", "Referred to children's social care");

        _clock.Advance(TimeSpan.FromDays(364));
        Assert.Equal((0, 0), _retention.Run(_clock.GetUtcNow()));
        Assert.Equal("jake.smith", _store.Get(referred)!.UserLogin);

        _clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal((1, 0), _retention.Run(_clock.GetUtcNow()));
        Assert.Equal(RetentionRunner.Removed, _store.Get(referred)!.UserLogin);
        Assert.Equal("""{"outcome":"referred","reference":"CPOMS-4411"}""",
            Assert.Single(AlertHistory.List(_store, referred), h => h.Action == "resolved").Detail);
    }

    [Fact]
    public async Task Screenshots_NoAlertRefersTo_GoAfterTheirDays_OthersStay()
    {
        var shown = await ScreenshotAsync(2);
        var orphan = await ScreenshotAsync(3);
        var youngOrphan = await ScreenshotAsync(4);
        Store("ev-4", shown);
        var old = _clock.GetUtcNow().AddDays(-31).UtcDateTime;
        File.SetLastWriteTimeUtc(_screenshots.Find(shown)!, old);
        File.SetLastWriteTimeUtc(_screenshots.Find(orphan)!, old);

        Assert.Equal((0, 1), _retention.Run(_clock.GetUtcNow()));

        Assert.NotNull(_screenshots.Find(shown));
        Assert.Null(_screenshots.Find(orphan));
        Assert.NotNull(_screenshots.Find(youngOrphan));
    }

    [Fact]
    public async Task Screenshot_ShownByAnotherOpenAlert_StaysWhenOneAlertIsMinimised()
    {
        var shot = await ScreenshotAsync(5);
        var closed = Store("ev-5", shot);
        Store("ev-6", shot);
        _triage.Resolve(closed, "a.patel", TriageOutcomes.NoFurtherAction, null, null);

        _clock.Advance(TimeSpan.FromDays(91));

        Assert.Equal((1, 0), _retention.Run(_clock.GetUtcNow()));
        Assert.NotNull(_screenshots.Find(shot));
    }

    [Fact]
    public async Task Cli_DryRunCountsAndChangesNothing_ThenTheRunMinimises()
    {
        // Closed on the fake clock's date, months before the real now the command runs at.
        var closed = Store("ev-7", null);
        _triage.Resolve(closed, "a.patel", TriageOutcomes.FalsePositive, null, null);
        var open = Store("ev-8", null);

        var (dryExit, dry, _) = await CliAsync("retention", "--dry-run", "--data-dir", _dir.Path);
        Assert.Equal(0, dryExit);
        Assert.StartsWith("would minimise 1 closed alert(s)", dry, StringComparison.Ordinal);
        Assert.Equal("jake.smith", _store.Get(closed)!.UserLogin);

        var (exit, run, _) = await CliAsync("retention", "--data-dir", _dir.Path);
        Assert.Equal(0, exit);
        Assert.StartsWith("minimised 1 closed alert(s)", run, StringComparison.Ordinal);
        Assert.Equal(RetentionRunner.Removed, _store.Get(closed)!.UserLogin);
        Assert.Equal("jake.smith", _store.Get(open)!.UserLogin);

        var config = Path.Combine(_dir.Path, "bad.json");
        await File.WriteAllTextAsync(config, """{ "Retention": { "NoConcernDays": 0 } }""");
        var (badExit, _, error) = await CliAsync("retention", "--data-dir", _dir.Path, "--config", config);
        Assert.Equal(2, badExit);
        Assert.Contains("Retention:NoConcernDays must be between 1 and 3650 days (was 0).", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 365, 30, "Retention:NoConcernDays must be between 1 and 3650 days (was 0).")]
    [InlineData(400, 365, 30, "Retention:NoConcernDays (400) must not be longer than Retention:ConcernDays (365)")]
    [InlineData(90, 365, 5000, "Retention:UnreferencedScreenshotDays must be between 1 and 3650 days (was 5000).")]
    public void Options_OutOfRange_AreRefusedWithTheirName(int noConcern, int concern, int screenshots, string expected)
    {
        var result = new RetentionOptionsValidator().Validate(null,
            new RetentionOptions { NoConcernDays = noConcern, ConcernDays = concern, UnreferencedScreenshotDays = screenshots });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    private static async Task<(int Exit, string Output, string Error)> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await AlertPipeline.Cli.CliApp.RunAsync(args, TextReader.Null, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private string Store(string eventId, string? screenshot)
    {
        var now = _clock.GetUtcNow();
        var alert = new Alert(Alert.IdFor(new AlertPipeline.Events.EventKey("oakfield", "dev-17", eventId), "suicide/kill myself"), eventId, "suicide/kill myself", "oakfield", "dev-17", "jake.smith",
            now.AddMinutes(-1), "typed", "chrome", "https://example.org/chat", screenshot, "i want to kill myself", "i want to kill myself",
            ["suicide"], Severity.Urgent, [new AlertMatch("kill myself", "suicide", "urgent", 10, 11, "kill myself", "suicide/kill myself")],
            "v1", AlertStatus.New, now, now)
        {
            Snippet = "i want to [kill myself]",
            GroupKey = $"jake.smith/{now.UtcTicks}/suicide/kill myself",
        };
        Assert.Single(_store.Save([(alert, [])]));
        return alert.AlertId;
    }

    private async Task<string> ScreenshotAsync(byte seed)
    {
        // A real 1x1 PNG whose one pixel differs by seed, so each is a distinct screenshot.
        var png = AlertPipeline.Simulator.PngEncoder.Encode(1, 1, [0, seed, seed, seed]);
        return (await _screenshots.SaveAsync(png, "image/png", "oakfield")).Reference;
    }
}
