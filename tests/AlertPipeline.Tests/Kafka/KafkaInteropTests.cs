using System.Text.Json.Nodes;
using AlertPipeline.Queue;
using AlertPipeline.Tests.Support;
using AlertPipeline.Transport.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlertPipeline.Tests.Kafka;

/// <summary>
/// The Kafka record contract seen from an independent client (kcat), the dead-letter topic, and the consumer's
/// offset discipline, against a 3-broker Kafka-protocol cluster.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class KafkaInteropTests : IDisposable
{
    private readonly KafkaTestCluster _kafka = new();

    public void Dispose() => _kafka.Dispose();

    [Fact]
    public async Task KcatProducesRawJsonEvent_AlertIsStoredAndKcatReadsItFromTheAlertsTopic()
    {
        await using var host = await TestHost.StartAsync(_kafka.HostOverrides());
        var e = Some.ConcerningEvent();
        var eventId = (string)e["eventId"]!;
        await _kafka.KcatAsync(e.ToJsonString() + "\n", "-P", "-t", _kafka.Topics.Events, "-k", "oak.y9.jsmith", "-H", "ap-schema=1");

        var alert = await Eventually.ReturnsAsync(() => host.Alerts.List(new()).SingleOrDefault(a => a.EventId == eventId), a => a is not null, "the alert");
        var published = await Eventually.ReturnsAsync(
            () => _kafka.ReadTopicAsync(_kafka.Topics.Alerts).GetAwaiter().GetResult(), r => r.Count > 0, "the alerts topic");

        var record = Assert.Single(published);
        Assert.Equal(alert!.AlertId, (string)record["key"]!);
        var body = JsonNode.Parse((string)record["payload"]!)!;
        Assert.Equal(eventId, (string)body["eventId"]!);
        Assert.Equal("oakfield", (string)body["schoolId"]!);
        Assert.Equal(alert.Severity.ToString().ToLowerInvariant(), (string)body["severity"]!);
        Assert.Null(body["text"]); // Data minimisation: the captured text stays in the alert store.
    }

    [Fact]
    public async Task PoisonRecord_GoesToTheDeadLetterTopicWithReasonAndPayload_AndThePartitionMovesOn()
    {
        await using var host = await TestHost.StartAsync(_kafka.HostOverrides());
        const string poison = "{\"eventId\": \"broken\", \"text\": ";
        var next = Some.ConcerningEvent();
        await _kafka.KcatAsync(poison + "\n" + next.ToJsonString() + "\n", "-P", "-t", _kafka.Topics.Events, "-p", "0");

        // The event after the poison record on the same partition is processed: the partition moved on.
        await Eventually.TrueAsync(() => host.Alerts.List(new()).Any(a => a.EventId == (string)next["eventId"]!), "the next event's alert");

        var dead = Assert.Single(await _kafka.ReadTopicAsync(_kafka.Topics.DeadLetters));
        Assert.Equal(poison, (string)dead["payload"]!);
        var headers = Headers(dead);
        Assert.Contains("not valid JSON", headers[KafkaHeaders.DeadLetterReason], StringComparison.Ordinal);
        Assert.False(headers.ContainsKey("ap-original-payload")); // The payload once, never twice (issue 12).
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(poison))), headers[KafkaHeaders.PayloadSha256]);
        Assert.Equal("false", headers[KafkaHeaders.PayloadTruncated]);
        Assert.Equal(_kafka.Topics.Events, headers[KafkaHeaders.OriginalTopic]);
        Assert.Equal("0", headers[KafkaHeaders.OriginalPartition]);
        Assert.Equal("0", headers[KafkaHeaders.OriginalOffset]);
    }

    // Issue 12: the dead letter of a ~0.6 MB record carried its payload twice (value and a header), the broker refused
    // it as too large, and detection retried it for ever. Now it is stored once, cut, with its hash.
    [Fact]
    public async Task LargePoisonRecord_DeadLetterIsBoundedAndThePartitionMovesOn()
    {
        await using var host = await TestHost.StartAsync(_kafka.HostOverrides());
        var poison = "{\"eventId\": \"huge\", \"text\": \"" + new string('x', 600_000) + "\"}"; // over the event limit
        var next = Some.ConcerningEvent();
        await _kafka.KcatAsync(poison + "\n" + next.ToJsonString() + "\n", "-P", "-t", _kafka.Topics.Events, "-p", "0", "-X", "message.max.bytes=2000000");

        await Eventually.TrueAsync(() => host.Alerts.List(new()).Any(a => a.EventId == (string)next["eventId"]!), "the next event's alert", TimeSpan.FromSeconds(90));

        var dead = Assert.Single(await _kafka.ReadTopicAsync(_kafka.Topics.DeadLetters));
        var headers = Headers(dead);
        Assert.Equal("true", headers[KafkaHeaders.PayloadTruncated]);
        Assert.Equal(poison.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), headers[KafkaHeaders.PayloadBytes]);
        Assert.Equal(AlertPipeline.Detection.BoundedPayload.MaxPayloadBytes, ((string)dead["payload"]!).Length);
        Assert.False(headers.ContainsKey("ap-original-payload"));
    }

    [Fact]
    public async Task SameEventDeliveredTwice_OneAlertAndOneNotification()
    {
        await using var host = await TestHost.StartAsync(_kafka.HostOverrides());
        host.UseKey();
        var e = Some.ConcerningEvent();

        // An agent retry: Kafka cannot tell it is a duplicate, so detection really sees the event twice.
        var first = JsonNode.Parse(await (await host.PostEventsAsync(e)).Content.ReadAsStringAsync())!;
        var second = JsonNode.Parse(await (await host.PostEventsAsync(e)).Content.ReadAsStringAsync())!;
        Assert.Equal(1, (int)first["accepted"]!);
        Assert.Equal(1, (int)second["accepted"]!);

        var metrics = host.App.Services.GetRequiredService<PipelineMetrics>();
        await Eventually.TrueAsync(() => metrics.EventsProcessed >= 2, "both deliveries processed");
        await Eventually.TrueAsync(() => Directory.Exists(host.OutboxDirectory) && Directory.GetFiles(host.OutboxDirectory, "*.eml").Length > 0, "the notification");
        await Task.Delay(TimeSpan.FromSeconds(1)); // A second notification, if any, would be written within this.

        Assert.Equal(1, host.Alerts.Count());
        Assert.Single(Directory.GetFiles(host.OutboxDirectory, "*.eml"));
    }

    [Fact]
    public async Task Publisher_RecordKeyedBySchoolAndPupilWithSchemaHeaderAndTheEventAsReceived()
    {
        var e = Some.Event(userLogin: "oak.y7.apatel");
        await _kafka.PublishAsync([e]);

        var record = Assert.Single(await _kafka.ReadTopicAsync(_kafka.Topics.Events));
        Assert.Equal((string)e["schoolId"]! + "/oak.y7.apatel", (string)record["key"]!);
        Assert.Equal("1", Headers(record)[KafkaHeaders.Schema]);
        Assert.Equal(e.ToJsonString(), (string)record["payload"]!);
    }

    [Fact]
    public async Task Consumer_EventsReadButNotCommitted_AreReadAgainByTheGroupAfterClose()
    {
        using var single = new KafkaTestCluster(eventPartitions: 1);
        await single.PublishAsync(Enumerable.Range(0, 10).Select(_ => Some.Event()));

        List<ConsumedEvent> first;
        using (var consumer = new KafkaEventConsumer(single.Options, "offsets-test", TimeProvider.System, NullLogger<KafkaEventConsumer>.Instance))
        {
            first = await ReadAsync(consumer, 10);
            await consumer.CommitAsync(first[..4], CancellationToken.None); // Offsets 0-3 are "durable"; 4-9 are not.
        }

        using (var consumer = new KafkaEventConsumer(single.Options, "offsets-test", TimeProvider.System, NullLogger<KafkaEventConsumer>.Instance))
        {
            var again = await ReadAsync(consumer, 6);
            Assert.Equal(first[4..].Select(e => e.EventId), again.Select(e => e.EventId));
            Assert.Equal(4, again[0].Position.Offset);
        }
    }

    private static async Task<List<ConsumedEvent>> ReadAsync(KafkaEventConsumer consumer, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)); // a first read joins the group: a rebalance
        var events = new List<ConsumedEvent>();
        while (events.Count < count)
        {
            events.AddRange(await consumer.ReadAsync(count - events.Count, timeout.Token));
        }

        return events;
    }

    /// <summary>kcat -J lists headers as [name, value, name, value, ...].</summary>
    private static Dictionary<string, string> Headers(JsonObject record)
    {
        var flat = record["headers"]!.AsArray().Select(h => (string)h!).ToList();
        return Enumerable.Range(0, flat.Count / 2).ToDictionary(i => flat[2 * i], i => flat[(2 * i) + 1]);
    }
}
