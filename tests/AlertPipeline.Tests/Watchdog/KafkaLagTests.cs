using AlertPipeline.Queue;
using AlertPipeline.Tests.Kafka;
using AlertPipeline.Tests.Support;
using AlertPipeline.Transport.Kafka;
using AlertPipeline.Watchdog;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlertPipeline.Tests.Watchdog;

/// <summary>
/// Kafka consumer lag against librdkafka's mock cluster (real protocol, real consumer group): the stall is a
/// consumer that has read records and does not store them as done, exactly what a detection worker stuck on one
/// batch looks like from the broker's side.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class KafkaLagTests
{
    [Fact]
    public async Task KafkaLagProbe_RecordsReadButNotCommitted_ReportsLagThenStallThenClearsAsCommitsCatchUp()
    {
        using var cluster = new KafkaTestCluster(eventPartitions: 1);
        await cluster.PublishAsync(Enumerable.Range(0, 20).Select(_ => Some.Event()));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var consumer = new KafkaEventConsumer(cluster.Options, "lag-test", clock, NullLogger<KafkaEventConsumer>.Instance);
        var probe = new KafkaLagProbe(consumer, Microsoft.Extensions.Options.Options.Create(new WatchdogOptions { MaxConsumerLag = 10 }));
        Assert.All(probe.Probe(clock.GetUtcNow()), f => Assert.False(f.Settled)); // Not in the group yet: nothing to say.

        var read = await ReadAsync(consumer, 20);
        var first = probe.Probe(clock.GetUtcNow()).ToDictionary(f => f.Check);
        Assert.Equal(WatchdogLevel.Degraded, first[KafkaLagProbe.LagCheck].Level);
        Assert.Contains("lag is 20 record(s) on 1 partition(s) (limit 10)", first[KafkaLagProbe.LagCheck].Reason, StringComparison.Ordinal);
        Assert.Equal(20, first[KafkaLagProbe.LagCheck].Figures[WatchdogFigures.ConsumerLag]);
        Assert.Equal(WatchdogLevel.Ok, first[EmbeddedQueueProbe.ProgressCheck].Level);

        clock.Advance(TimeSpan.FromMinutes(3));
        var stalled = probe.Probe(clock.GetUtcNow()).ToDictionary(f => f.Check);
        Assert.Equal(WatchdogLevel.Degraded, stalled[EmbeddedQueueProbe.ProgressCheck].Level);
        Assert.Contains("has not advanced on its Kafka partitions for 3 min while 20 record(s) wait", stalled[EmbeddedQueueProbe.ProgressCheck].Reason, StringComparison.Ordinal);

        await consumer.CommitAsync(read[..15], CancellationToken.None); // Detection moves again.
        var moving = probe.Probe(clock.GetUtcNow()).ToDictionary(f => f.Check);
        Assert.Equal(WatchdogLevel.Ok, moving[EmbeddedQueueProbe.ProgressCheck].Level);
        Assert.Equal(WatchdogLevel.Ok, moving[KafkaLagProbe.LagCheck].Level);
        Assert.Equal(5, moving[KafkaLagProbe.LagCheck].Figures[WatchdogFigures.ConsumerLag]);

        await consumer.CommitAsync(read, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.All(probe.Probe(clock.GetUtcNow()), f => Assert.Equal(WatchdogLevel.Ok, f.Level));
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
}
