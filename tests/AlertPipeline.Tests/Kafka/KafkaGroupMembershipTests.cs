using AlertPipeline.Transport.Kafka;

namespace AlertPipeline.Tests.Kafka;

/// <summary>The detect group's membership settings (<see cref="KafkaClientConfig.Consumer"/>).</summary>
public sealed class KafkaGroupMembershipTests
{
    // Static membership (Kafka:GroupInstanceId) is configured but not exercised on a broker: librdkafka's mock cluster
    // hung on a static member's rejoin in every attempt, and cooperative-sticky assignment was taken back out after a
    // Kafka test spun librdkafka's main thread in the merged build (issue 16 note). Only the setting is checked here.
    [Fact]
    public void Consumer_GroupInstanceIdWithHost_SetsTheStaticMemberId()
    {
        var config = KafkaClientConfig.Consumer(new KafkaOptions { BootstrapServers = "127.0.0.1:9092", GroupInstanceId = "{host}-detect-1" }, "g", "c");

        Assert.Equal(Environment.MachineName + "-detect-1", config.GroupInstanceId);
        Assert.Null(KafkaClientConfig.Consumer(new KafkaOptions { BootstrapServers = "127.0.0.1:9092" }, "g", "c").GroupInstanceId);
    }
}
