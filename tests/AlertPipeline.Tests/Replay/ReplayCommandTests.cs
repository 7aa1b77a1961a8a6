using System.Net;
using System.Text.Json.Nodes;
using AlertPipeline.Cli;
using AlertPipeline.Tests.Kafka;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Replay;

/// <summary>
/// <c>alertpipeline replay</c> against retained events: the candidate lists add "photosynthesis" as a medium
/// gambling term, so the benign "photosynthesis diagram" events would become alerts and nothing else changes.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class ReplayCommandTests : IDisposable
{
    private readonly TempDirectory _candidate = new();

    public ReplayCommandTests()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "seeds", "keywords")))
        {
            File.Copy(file, Path.Combine(_candidate.Path, Path.GetFileName(file)));
        }

        File.AppendAllText(Path.Combine(_candidate.Path, "gambling.csv"), "photosynthesis,word,medium,,,replay test\n");
    }

    public void Dispose() => _candidate.Dispose();

    [Fact]
    public async Task Replay_EmbeddedQueue_ReportsAlertsTheCandidateWouldAddAndNotifiesNobody()
    {
        await using var host = await TestHost.StartAsync();
        host.UseKey();
        var events = new[] { Some.Event("photosynthesis diagram"), Some.Event("photosynthesis diagram"), Some.ConcerningEvent(), Some.Event("premier league table") };
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostEventsAsync(events)).StatusCode);
        await Eventually.TrueAsync(() => host.Alerts.Count() == 1, "the live alert");
        var outbox = host.App.Services.GetRequiredService<AlertPipeline.Notifications.NotificationOutbox>();
        await Eventually.TrueAsync(() => outbox.Counts() is { Pending: 0, Sent: > 0 }, "the live alert's notification to be written");
        var notificationsBefore = Directory.Exists(host.OutboxDirectory) ? Directory.GetFiles(host.OutboxDirectory).Length : 0;

        var (exit, output) = await RunAsync("replay", "--since", "1d", "--lists", _candidate.Path, "--data-dir", host.DataDirectory);

        Assert.Equal(0, exit);
        Assert.Contains("replay of 4 events", output, StringComparison.Ordinal);
        Assert.Matches(@"medium\s+gambling\s+\+2\s+0", output);
        Assert.DoesNotContain("suicide", output, StringComparison.Ordinal); // Unchanged categories are not listed.
        Assert.Equal(1, host.Alerts.Count());
        Assert.Equal(notificationsBefore, Directory.Exists(host.OutboxDirectory) ? Directory.GetFiles(host.OutboxDirectory).Length : 0);
    }

    [Fact]
    public async Task Replay_Kafka_ReadsTheTopicInItsOwnGroupAndHonoursSince()
    {
        using var kafka = new KafkaTestCluster();
        await kafka.PublishAsync([Some.Event("photosynthesis diagram"), Some.Event("photosynthesis diagram"), Some.Event("photosynthesis diagram"), Some.ConcerningEvent()]);
        using var config = new TempDirectory();
        var file = Path.Combine(config.Path, "replay.json");
        File.WriteAllText(file, new JsonObject
        {
            ["Transport"] = new JsonObject { ["Kind"] = "kafka" },
            ["Kafka"] = new JsonObject { ["BootstrapServers"] = kafka.Options.BootstrapServers },
        }.ToJsonString());

        var (exit, output) = await RunAsync("replay", "--since", "1d", "--lists", _candidate.Path, "--config", file);
        Assert.True(exit == 0, output);
        Assert.Contains("replay of 4 events", output, StringComparison.Ordinal);
        Assert.Matches(@"medium\s+gambling\s+\+3\s+0", output);

        // Events accepted before --since are not replayed (their record timestamps are now).
        var (_, future) = await RunAsync("replay", "--since", DateTimeOffset.UtcNow.AddHours(1).ToString("O"), "--lists", _candidate.Path, "--config", file);
        Assert.Contains("replay of 0 events", future, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, TextReader.Null, output, error);
        return (exit, output.ToString() + error);
    }
}
