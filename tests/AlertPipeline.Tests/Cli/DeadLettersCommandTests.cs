using System.Text;
using AlertPipeline.Cli;
using AlertPipeline.Queue;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Cli;

/// <summary><c>alertpipeline deadletters list|replay|drop</c> against a running host's data directory.</summary>
public sealed class DeadLettersCommandTests
{
    [Fact]
    public async Task ListReplayDrop_PoisonFixedThenReplayed_IsAlertedAndNoLongerADeadLetter()
    {
        await using var host = await TestHost.StartAsync();
        var poison = Some.ConcerningEvent();
        var id = (string)poison["eventId"]!;
        Execute(host, $"CREATE TRIGGER poison BEFORE INSERT ON alerts WHEN NEW.event_id = '{id}' BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END");
        await host.App.Services.GetRequiredService<SqliteEventQueue>().PublishAsync(
            [new QueuedEvent(id, "oakfield", (string)poison["deviceId"]!, (string)poison["userLogin"]!, Encoding.UTF8.GetBytes(poison.ToJsonString()))], CancellationToken.None);
        await Eventually.TrueAsync(() => DeadLetterRows.Read(host.Alerts).Count == 1, "the dead letter");

        var (listed, list, _) = await RunAsync("deadletters", "list", "--data-dir", host.DataDirectory);
        Assert.Equal(0, listed);
        Assert.Contains(id, list, StringComparison.Ordinal);
        Assert.Contains("refused by the test trigger", list, StringComparison.Ordinal);
        var letterId = list.Split(' ', 2)[0];

        Execute(host, "DROP TRIGGER poison"); // the fix
        var (replayed, output, _) = await RunAsync("deadletters", "replay", letterId, "--data-dir", host.DataDirectory);

        Assert.Equal(0, replayed);
        Assert.Contains("queued again at position", output, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => host.Alerts.List(new()).Any(a => a.EventId == id), "the replayed event's alert");
        Assert.Empty(DeadLetterRows.Read(host.Alerts));
    }

    [Fact]
    public async Task Drop_All_RemovesEveryDeadLetter()
    {
        await using var host = await TestHost.StartAsync();
        await host.App.Services.GetRequiredService<SqliteEventQueue>().PublishAsync(
            [new QueuedEvent("broken", "oakfield", "dev-1", "p", "{\"eventId\":\"broken\""u8.ToArray())], CancellationToken.None);
        await Eventually.TrueAsync(() => DeadLetterRows.Read(host.Alerts).Count == 1, "the dead letter");

        var (code, output, _) = await RunAsync("deadletters", "drop", "--all", "--data-dir", host.DataDirectory);

        Assert.Equal(0, code);
        Assert.Contains("dropped 1 of 1", output, StringComparison.Ordinal);
        Assert.Empty(DeadLetterRows.Read(host.Alerts));
    }

    [Fact]
    public async Task Replay_BadId_SaysWhatAnIdIs()
    {
        await using var host = await TestHost.StartAsync();
        var (code, _, error) = await RunAsync("deadletters", "replay", "seven", "--data-dir", host.DataDirectory);

        Assert.Equal(2, code);
        Assert.Contains("'seven' is not a dead letter id (PARTITION:POSITION", error, StringComparison.Ordinal);
    }

    private static void Execute(TestHost host, string sql)
    {
        using var connection = host.Alerts.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, TextReader.Null, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
