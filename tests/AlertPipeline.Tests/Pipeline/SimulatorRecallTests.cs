using System.Text.Json.Nodes;
using AlertPipeline.Simulator;
using AlertPipeline.Tests.Support;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Pipeline;

/// <summary>
/// "No missed alert", end to end: the simulator knows which events it made concerning (including disguised ones:
/// leetspeak, spacing, stretching, URL-encoded searches). Every one of them, posted through the real ingest API,
/// must end up counted in an alert — as its own alert or folded into a near-identical one.
/// </summary>
public sealed class SimulatorRecallTests
{
    // The measured share is reported in docs/detection-quality.md; this bound fails the build if recall regresses.
    private const double MinimumRecall = 0.97;

    // Benign activity includes trap words ("suicide squad cast", "kill a process", Juliet's death).
    private const double MaximumFalseAlarmRate = 0.005;

    [Fact]
    public async Task SimulatedConcerningEvents_AreAllAccountedForInAlerts()
    {
        await using var host = await TestHost.StartAsync();
        host.UseKey("*");
        var generator = new ActivityGenerator(
            Options.Create(new SimulatorOptions { ConcerningShare = 0.25, Seed = 7, Screenshots = false, ApiKey = "unused" }),
            TimeProvider.System, new ScreenshotRenderer());
        var events = Enumerable.Range(0, 2_000).Select(_ => generator.Next()).ToList();
        var concerning = events.Where(e => e.Concerning).ToList();

        foreach (var chunk in events.Chunk(500))
        {
            var response = await host.PostEventsAsync(chunk.Select(e => (JsonObject)e.Event.DeepClone()).ToArray());
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        }

        var queue = host.App.Services.GetRequiredService<AlertPipeline.Queue.SqliteEventQueue>();
        await Eventually.TrueAsync(() => queue.Backlog == 0, "detection to process every event");
        var accounted = host.Alerts.KnownEvents(concerning.Select(e => e.Key).ToList());
        var missed = concerning.Where(e => !accounted.Contains(e.Key)).Select(e => $"{e.ExpectedCategory} [{e.Source}] {e.Text}").Distinct().ToList();
        var recall = (double)accounted.Count / concerning.Count;

        var benign = events.Where(e => !e.Concerning).ToList();
        var falseAlarms = host.Alerts.KnownEvents(benign.Select(e => e.Key).ToList());
        var falseAlarmRate = (double)falseAlarms.Count / benign.Count;

        Assert.True(concerning.Count > 300, $"the run should hold enough concerning events (had {concerning.Count})");
        Assert.True(falseAlarmRate <= MaximumFalseAlarmRate,
            $"false alarms {falseAlarmRate:P2} ({falseAlarms.Count}/{benign.Count}):\n{string.Join("\n", benign.Where(e => falseAlarms.Contains(e.Key)).Select(e => $"[{e.Source}] {e.Text}").Distinct())}");
        Assert.True(recall >= MinimumRecall,
            $"recall {recall:P1} ({accounted.Count}/{concerning.Count}) is below {MinimumRecall:P0}; missed:\n{string.Join("\n", missed)}");
    }
}
