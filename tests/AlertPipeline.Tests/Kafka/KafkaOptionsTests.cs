using AlertPipeline.Transport;
using AlertPipeline.Transport.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Kafka;

public sealed class KafkaOptionsTests
{
    [Fact]
    public void Validate_NoBootstrapServers_NamesTheKey()
    {
        var result = new KafkaOptionsValidator().Validate(null, new KafkaOptions());
        Assert.Contains(result.Failures!, f => f.StartsWith("Kafka:BootstrapServers must be set", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_GroupInstanceIdWithSpace_NamesTheKeyAndValue()
    {
        var options = new KafkaOptions { BootstrapServers = "kafka-1:9092", GroupInstanceId = "detect 1" };

        var failures = new KafkaOptionsValidator().Validate(null, options).Failures!;

        Assert.Contains(failures, f => f.Contains("Kafka:GroupInstanceId", StringComparison.Ordinal) && f.Contains("'detect 1'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BadValues_EachFailureNamesKeyAndValue()
    {
        var options = new KafkaOptions
        {
            BootstrapServers = "kafka-1:9092,kafka-2",
            Topics = new KafkaTopics { Events = "device events", Alerts = "a", DeadLetters = "a" },
            EventPartitions = 0,
            SessionTimeout = TimeSpan.Zero,
            Client = new Dictionary<string, string> { ["enable.auto.commit"] = "false" },
        };

        var failures = new KafkaOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Contains("Kafka:BootstrapServers entries must be host:port (was 'kafka-2' in 'kafka-1:9092,kafka-2').", failures);
        Assert.Contains("Kafka:Topics:Events must be 1-249 characters of [A-Za-z0-9._-] (was 'device events').", failures);
        Assert.Contains(failures, f => f.StartsWith("Kafka:Topics:Events, Alerts and DeadLetters must be three different topics", StringComparison.Ordinal));
        Assert.Contains("Kafka:EventPartitions must be between 1 and 10000 (was 0).", failures);
        Assert.Contains("Kafka:SessionTimeout must be between 00:00:01 and 00:05:00 (was 00:00:00).", failures);
        Assert.Contains("Kafka:Client:enable.auto.commit is set by AlertPipeline itself and cannot be overridden (was 'false').", failures);
    }

    [Fact]
    public void Validate_Defaults_WithBootstrapServers_Succeed() =>
        Assert.True(new KafkaOptionsValidator().Validate(null, new KafkaOptions { BootstrapServers = "localhost:9092" }).Succeeded);

    [Fact]
    public void TransportKind_Unknown_FailsNamingKeyAndValue()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Transport:Kind"] = "rabbit" }).Build();
        var ex = Assert.Throws<OptionsValidationException>(() => TransportServices.Kind(configuration));
        Assert.Equal("Transport:Kind must be 'embedded' or 'kafka' (was 'rabbit').", Assert.Single(ex.Failures));
    }
}
