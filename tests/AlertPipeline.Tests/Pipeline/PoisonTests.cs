using System.Diagnostics;
using System.Text;
using AlertPipeline.Detection;
using AlertPipeline.Queue;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Pipeline;

/// <summary>
/// Issue 12's reliability suite, embedded transport: each poison that once stopped detection for every school is fed
/// through the real host (real SQLite files), with a concerning event behind it that must be alerted within seconds.
/// The poison itself ends in the dead letters with its reason; the Kafka ones are in KafkaInteropTests.
/// </summary>
public sealed class PoisonTests
{
    // Bounded, not for ever (the old bug): the worker tries a poison batch three times a second apart, then moves on.
    // Generous beyond that because the whole suite shares two cores; 15 s left too little room under that load.
    private static readonly TimeSpan Seconds = TimeSpan.FromSeconds(45);

    // Old main: accepted (202) or queued, then the correlator threw on the date arithmetic for that batch every second,
    // for ever. Here it is queued straight (as a transport that skipped ingest would), behind it a real concern.
    [Fact]
    public async Task Detection_OccurredAtYearOneInTheQueue_DeadLetteredAndTheConcernBehindItAlerted()
    {
        await using var host = await TestHost.StartAsync();
        var poison = Some.ConcerningEvent();
        poison["occurredAt"] = "0001-01-01T00:00:00+00:00";
        var concern = Some.ConcerningEvent(school: "riverside");

        await Queue(host, poison, concern);

        await AlertedWithinAsync(host, concern);
        var dead = Assert.Single(DeadLetterRows.Read(host.Alerts));
        Assert.Equal((string)poison["eventId"]!, dead.EventId);
        Assert.Contains("occurredAt", dead.Reason, StringComparison.Ordinal);
    }

    // A regex that hit its wall-clock guard returned an unflagged result with a warning; the grouper threw "Only flagged
    // detections are grouped" and the worker retried the batch for ever. The guard is made to trip deterministically:
    // the host's lists hold one legal but slow regex (after a 'q', forty more letters then a 'z': too many states for
    // the non-backtracking engine's DFA cache, so it reads in NFA mode, microseconds per character) and a 1 ms guard,
    // while the text is 14,000 characters of q-words that never match. (The earlier version used the shipped lists
    // and a one-tick guard: .NET checks the guard against a millisecond clock, so on a warm run the shipped regexes
    // finished inside one millisecond, matched, and no dead letter appeared.)
    [Fact]
    public async Task Detection_RegexTimesOut_NotFullyCheckedTextDeadLetteredAndTheConcernBehindItAlerted()
    {
        using var lists = new TempDirectory();
        File.WriteAllText(Path.Combine(lists.Path, "suicide.csv"), "term,match,severity,sources,requires,notes\ni want to die,phrase,urgent,,,test list\n");
        File.WriteAllText(Path.Combine(lists.Path, "bullying.csv"), "term,match,severity,sources,requires,notes\n\"[a-z ]*q[a-z ]{40}z\",regex,high,,,slow on purpose\n");
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Detection:KeywordsDirectory"] = lists.Path,
            ["Detection:RegexTimeout"] = "00:00:00.001",
        });
        host.UseKey("oakfield");
        // Letters without a 'z', a 'q' in three, at random (seeded): a periodic text would revisit a few DFA states,
        // which the engine caches and then reads fast; this one keeps making new ones.
        var random = new Random(12);
        var unchecked_ = Some.Event(new string([.. Enumerable.Range(0, 14_000).Select(i => i % 7 == 6 ? ' ' : random.Next(3) == 0 ? 'q' : (char)('a' + random.Next(25)))]), source: "typed");
        var concern = Some.ConcerningEvent();

        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await host.PostEventsAsync(unchecked_, concern)).StatusCode);

        await AlertedWithinAsync(host, concern);
        await Eventually.TrueAsync(() => DeadLetterRows.Read(host.Alerts).Any(d => d.EventId == (string)unchecked_["eventId"]!), "the unchecked text's dead letter");
        Assert.Contains("not fully checked", DeadLetterRows.Read(host.Alerts).Single(d => d.EventId == (string)unchecked_["eventId"]!).Reason, StringComparison.Ordinal);
    }

    // Any failure storing one event (here a real SQLite trigger refusing its alert): after a bounded number of tries
    // that event alone is dead-lettered with the reason; the rest of its batch, other schools, and later events go on.
    [Fact]
    public async Task Detection_OneEventsAlertCannotBeStored_OnlyThatEventDeadLetteredAfterBoundedTries()
    {
        await using var host = await TestHost.StartAsync();
        var poison = Some.ConcerningEvent();
        using (var connection = host.Alerts.Database.Open())
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"CREATE TRIGGER poison BEFORE INSERT ON alerts WHEN NEW.event_id = '{(string)poison["eventId"]!}' BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END";
            command.ExecuteNonQuery();
        }

        var sameBatch = Some.ConcerningEvent(school: "riverside");
        await Queue(host, sameBatch, poison, Some.Event());
        var later = Some.ConcerningEvent();
        await Queue(host, later);

        await AlertedWithinAsync(host, sameBatch);
        await AlertedWithinAsync(host, later);
        await Eventually.TrueAsync(() => DeadLetterRows.Read(host.Alerts).Count == 1, "the poison's dead letter");
        var dead = DeadLetterRows.Read(host.Alerts).Single();
        Assert.Equal((string)poison["eventId"]!, dead.EventId);
        Assert.Contains($"failed {DetectionWorker.MaxAttempts} times", dead.Reason, StringComparison.Ordinal);
        Assert.Contains("refused by the test trigger", dead.Reason, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => host.App.Services.GetRequiredService<SqliteEventQueue>().Backlog == 0, "the queue to be drained");
    }

    [Fact]
    public async Task DeadLetters_LargePayload_StoredOnceCutWithItsHash()
    {
        await using var host = await TestHost.StartAsync();
        var big = "{\"eventId\":\"big\",\"text\":\"" + new string('x', 300_000) + "\"";  // not even valid JSON
        var concern = Some.ConcerningEvent();

        await host.App.Services.GetRequiredService<SqliteEventQueue>().PublishAsync(
            [new QueuedEvent("big", "oakfield", "dev-1", "p", Encoding.UTF8.GetBytes(big)), Queued(concern)], CancellationToken.None);

        await AlertedWithinAsync(host, concern);
        var letter = host.App.Services.GetRequiredService<DeadLetters>().List().Single();
        Assert.True(letter.Truncated);
        Assert.Equal(Encoding.UTF8.GetByteCount(big), letter.PayloadBytes);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(big))), letter.Sha256);
        Assert.Equal(BoundedPayload.MaxPayloadBytes, DeadLetterRows.Read(host.Alerts).Single().Payload.Length);
    }

    private static async Task AlertedWithinAsync(TestHost host, System.Text.Json.Nodes.JsonObject e)
    {
        var id = (string)e["eventId"]!;
        var clock = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => host.Alerts.List(new()).Any(a => a.EventId == id), $"the alert for {id}", Seconds);
        Assert.True(clock.Elapsed < Seconds, $"alerted after {clock.Elapsed}");
    }

    private static Task Queue(TestHost host, params System.Text.Json.Nodes.JsonObject[] events) =>
        host.App.Services.GetRequiredService<SqliteEventQueue>().PublishAsync(events.Select(Queued).ToList(), CancellationToken.None);

    private static QueuedEvent Queued(System.Text.Json.Nodes.JsonObject e) =>
        new((string)e["eventId"]!, (string)e["schoolId"]!, (string)e["deviceId"]!, (string)e["userLogin"]!, Encoding.UTF8.GetBytes(e.ToJsonString()));
}
