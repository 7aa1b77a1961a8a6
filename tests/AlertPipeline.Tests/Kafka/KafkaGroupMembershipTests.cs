using System.Collections.Concurrent;
using AlertPipeline.Transport.Kafka;
using Confluent.Kafka;

namespace AlertPipeline.Tests.Kafka;

/// <summary>
/// The detect group's membership settings (<see cref="KafkaClientConfig.Consumer"/>), on librdkafka's mock cluster: a
/// restart or a new member must not stop the members that stay.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class KafkaGroupMembershipTests
{
    [Fact]
    public void Consumer_MemberJoins_OthersKeepTheirPartitionsThroughTheRebalance()
    {
        using var cluster = new KafkaTestCluster(eventPartitions: 6);
        var log = new ConcurrentQueue<string>();
        using var first = Member(cluster, "first", log, instance: null);
        Drive([first], until: () => Assigned(log, "first") == 6);

        using var second = Member(cluster, "second", log, instance: null);
        Drive([first, second], until: () => Assigned(log, "second") >= 1 && Owned(log, "first") + Owned(log, "second") == 6);

        // Cooperative-sticky: "first" gave up only what moved to "second". An eager strategy revokes all 6 first.
        Assert.Equal(6 - Owned(log, "first"), Revoked(log, "first"));
        Assert.Equal(3, Owned(log, "first"));
    }

    // Static membership (Kafka:GroupInstanceId) is configured below but not exercised here: librdkafka's mock cluster
    // hung on a static member's restart in every attempt (issue 16 note), so only the settings are checked.
    [Fact]
    public void Consumer_GroupInstanceIdWithHost_SetsStaticMemberIdAndCooperativeStrategy()
    {
        var config = KafkaClientConfig.Consumer(new KafkaOptions { BootstrapServers = "127.0.0.1:9092", GroupInstanceId = "{host}-detect-1" }, "g", "c");

        Assert.Equal(Environment.MachineName + "-detect-1", config.GroupInstanceId);
        Assert.Equal(PartitionAssignmentStrategy.CooperativeSticky, config.PartitionAssignmentStrategy);
        Assert.Null(KafkaClientConfig.Consumer(new KafkaOptions { BootstrapServers = "127.0.0.1:9092" }, "g", "c").GroupInstanceId);
    }

    private static IConsumer<Ignore, byte[]> Member(KafkaTestCluster cluster, string name, ConcurrentQueue<string> log, string? instance)
    {
        var options = new KafkaOptions
        {
            BootstrapServers = cluster.Options.BootstrapServers,
            SessionTimeout = TimeSpan.FromSeconds(6),
            GroupInstanceId = instance,
        };
        var consumer = new ConsumerBuilder<Ignore, byte[]>(KafkaClientConfig.Consumer(options, "membership-test", name))
            .SetPartitionsAssignedHandler((_, partitions) => partitions.ForEach(p => log.Enqueue($"{name} +{p.Partition.Value}")))
            .SetPartitionsRevokedHandler((_, partitions) => partitions.ForEach(p => log.Enqueue($"{name} -{p.Partition.Value}")))
            .Build();
        consumer.Subscribe(cluster.Topics.Events);
        return consumer;
    }

    /// <summary>Polls every member (rebalance callbacks run inside Consume) until the condition holds, for at most 60 s.</summary>
    private static void Drive(IConsumer<Ignore, byte[]>[] members, Func<bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!until())
        {
            Assert.True(DateTime.UtcNow < deadline, "the group did not settle within 60 s");
            foreach (var member in members)
            {
                member.Consume(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    private static int Assigned(ConcurrentQueue<string> log, string name) => log.Count(l => l.StartsWith(name + " +", StringComparison.Ordinal));

    private static int Revoked(ConcurrentQueue<string> log, string name) => log.Count(l => l.StartsWith(name + " -", StringComparison.Ordinal));

    private static int Owned(ConcurrentQueue<string> log, string name) => Assigned(log, name) - Revoked(log, name);
}
