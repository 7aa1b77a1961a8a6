using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AlertPipeline.Events;
using AlertPipeline.Queue;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Ingest;

/// <summary>
/// Issue 12's fuzz: 20,000 seeded batches of valid and malformed items, JSON arrays and NDJSON, posted to the real
/// host over HTTP. Every answer must be a 2xx or 4xx with a body; every valid item accepted and found in queue.db;
/// every bad item named by its index, and no good one.
/// </summary>
public sealed class IngestFuzzTests
{
    private static readonly string[] RequiredFields = ["userLogin", "text", "source", "deviceId"];

    private const int Batches = 20_000;
    private const int Seed = 1212;
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(4);

    private enum Fault
    {
        None, Surrogate, BadUtf8, NotJson, MissingField, WrongType, YearOne, Stale, Future, Deep, TwoObjects, RepeatedId,
        OtherSchool, NotObject, TooLong, EmptyId,
    }

    // Items that are repaired and accepted, not rejected.
    private static bool Valid(Fault f) => f is Fault.None or Fault.Surrogate or Fault.BadUtf8;

    [Fact]
    public async Task PostEvents_20000MixedBatches_NoServerErrorNoValidEventLostEveryBadItemNamed()
    {
        // NORMAL, not FULL: this test is about what ingest answers, not fsync; FULL would make it minutes longer.
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Storage:Synchronous"] = "NORMAL" });
        var key = host.UseKey("oakfield");
        var random = new Random(Seed);
        var batches = Enumerable.Range(0, Batches).Select(b => Generate(random, b)).ToList();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var serverErrors = 0;
        var clock = Stopwatch.StartNew();

        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, cancellationToken) =>
        {
            var content = new ByteArrayContent(batch.Body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(batch.Ndjson ? "application/x-ndjson" : "application/json");
            using var response = await host.Http.PostAsync("/api/v1/events", content, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if ((int)response.StatusCode >= 500)
            {
                Interlocked.Increment(ref serverErrors);
                failures.Add($"batch {batch.Number}: {(int)response.StatusCode} {text}");
                return;
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                failures.Add($"batch {batch.Number}: {(int)response.StatusCode} with an empty body");
                return;
            }

            var body = JsonNode.Parse(text)!.AsObject();
            if (batch.Faults.Count == 0)
            {
                // An empty body: refused whole, with a message.
                if (response.StatusCode != HttpStatusCode.BadRequest || body["error"] is null)
                {
                    failures.Add($"batch {batch.Number} (empty): {(int)response.StatusCode} {text}");
                }

                return;
            }

            var expectedBad = batch.Faults.Select((f, i) => (f, i)).Where(x => !Valid(x.f)).Select(x => x.i).ToList();
            var named = body["errors"]?.AsArray().Select(e => e!["index"]!.GetValue<int>()).ToList() ?? [];
            var accepted = body["accepted"]?.GetValue<int>() ?? -1;
            var blank = body["errors"]?.AsArray().Any(e => string.IsNullOrWhiteSpace((string?)e!["error"]) || string.IsNullOrWhiteSpace((string?)e!["field"])) ?? false;
            if (!named.SequenceEqual(expectedBad) || accepted != batch.Faults.Count - expectedBad.Count || blank)
            {
                failures.Add($"batch {batch.Number} [{string.Join(",", batch.Faults)}] {(batch.Ndjson ? "ndjson" : "json")}: {(int)response.StatusCode} {text}");
            }
        });

        var elapsed = clock.Elapsed;
        Assert.True(failures.IsEmpty, $"{failures.Count} batches answered wrongly, e.g.:\n{string.Join("\n", failures.Take(10))}");
        Assert.Equal(0, serverErrors);
        Assert.True(elapsed < Budget, $"{Batches} batches took {elapsed}");

        // Every valid item is in the queue (committed before its 2xx).
        var queue = host.App.Services.GetRequiredService<SqliteEventQueue>();
        var stored = new HashSet<string>(StringComparer.Ordinal);
        for (long after = 0; ;)
        {
            var page = queue.ReadFrom(after, 50_000);
            if (page.Count == 0)
            {
                break;
            }

            stored.UnionWith(page.Select(e => e.EventId));
            after = page[^1].Position.Offset;
        }

        var valid = batches.SelectMany(b => b.ValidIds).ToList();
        Assert.True(valid.Count > 20_000, $"enough valid events ({valid.Count})");
        var lost = valid.Where(id => !stored.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} valid events lost, e.g. {string.Join(", ", lost.Take(5))}");
    }

    private sealed record Batch(int Number, bool Ndjson, byte[] Body, IReadOnlyList<Fault> Faults, IReadOnlyList<string> ValidIds);

    private static Batch Generate(Random random, int number)
    {
        var ndjson = random.Next(2) == 0;
        if (random.Next(200) == 0)
        {
            return new Batch(number, ndjson, [], [], []);
        }

        var count = random.Next(1, 6);
        var faults = new List<Fault>();
        var items = new List<byte[]>();
        var validIds = new List<string>();
        string? firstId = null;
        for (var i = 0; i < count; i++)
        {
            var fault = random.Next(3) == 0 ? (Fault)random.Next(1, Enum.GetValues<Fault>().Length) : Fault.None;
            if (fault == Fault.TwoObjects && !ndjson)
            {
                fault = Fault.None; // Two values side by side in an array is invalid JSON for the whole body.
            }

            if (fault == Fault.RepeatedId && firstId is null)
            {
                fault = Fault.None;
            }

            var id = fault == Fault.RepeatedId ? firstId! : $"fz-{number}-{i}-{random.Next():x}";
            var e = Some.Event(text: "photosynthesis " + random.Next(1000), eventId: id);
            if (firstId is null && Valid(fault))
            {
                firstId = id; // Only a kept item can be repeated.
            }
            byte[] json;
            switch (fault)
            {
                case Fault.Surrogate:
                    json = Encoding.UTF8.GetBytes(e.ToJsonString().Replace("photosynthesis", "cut \\ud83d here", StringComparison.Ordinal));
                    break;
                case Fault.BadUtf8:
                    json = Encoding.UTF8.GetBytes(e.ToJsonString().Replace("photosynthesis", "caf#", StringComparison.Ordinal)).Select(b => b == (byte)'#' ? (byte)0xE9 : b).ToArray();
                    break;
                case Fault.NotJson:
                    json = ndjson ? Encoding.UTF8.GetBytes("{\"eventId\": \"x\", ") : "\"just a string\""u8.ToArray();
                    break;
                case Fault.MissingField:
                    e.Remove(RequiredFields[random.Next(4)]);
                    json = Encoding.UTF8.GetBytes(e.ToJsonString());
                    break;
                case Fault.WrongType:
                    e["text"] = 42;
                    json = Encoding.UTF8.GetBytes(e.ToJsonString());
                    break;
                case Fault.YearOne:
                    e["occurredAt"] = "0001-01-01T00:00:00+00:00";
                    json = Encoding.UTF8.GetBytes(e.ToJsonString());
                    break;
                case Fault.Stale:
                    e["occurredAt"] = DateTimeOffset.UtcNow.AddDays(-60).ToString("O", CultureInfo.InvariantCulture);
                    json = Encoding.UTF8.GetBytes(e.ToJsonString());
                    break;
                case Fault.Future:
                    e["occurredAt"] = DateTimeOffset.UtcNow.AddHours(2).ToString("O", CultureInfo.InvariantCulture);
                    json = Encoding.UTF8.GetBytes(e.ToJsonString());
                    break;
                case Fault.Deep:
                    json = Encoding.UTF8.GetBytes(e.ToJsonString()[..^1] + ",\"x\":" + new string('[', 40) + new string(']', 40) + "}");
                    break;
                case Fault.TwoObjects:
                    json = Encoding.UTF8.GetBytes(e.ToJsonString() + " " + Some.Event().ToJsonString());
                    break;
                case Fault.OtherSchool:
                    e["schoolId"] = "riverside";
                    json = Encoding.UTF8.GetBytes(e.ToJsonString());
                    break;
                case Fault.NotObject:
                    json = "12345"u8.ToArray();
                    break;
                case Fault.TooLong:
                    e["text"] = new string('a', EventLimits.MaxTextLength + 1);
                    json = Encoding.UTF8.GetBytes(e.ToJsonString());
                    break;
                case Fault.EmptyId:
                    e["eventId"] = "";
                    json = Encoding.UTF8.GetBytes(e.ToJsonString());
                    break;
                default:
                    json = Encoding.UTF8.GetBytes(e.ToJsonString());
                    break;
            }

            faults.Add(fault);
            items.Add(json);
            if (Valid(fault))
            {
                validIds.Add(id);
            }
        }

        var body = ndjson
            ? items.SelectMany(i => i.Concat("\n"u8.ToArray())).ToArray()
            : "["u8.ToArray().Concat(items.SelectMany((item, k) => (k == 0 ? [] : ","u8.ToArray()).Concat(item))).Concat("]"u8.ToArray()).ToArray();
        return new Batch(number, ndjson, body, faults, validIds);
    }
}
