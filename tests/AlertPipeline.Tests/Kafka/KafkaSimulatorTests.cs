using AlertPipeline.Simulator;
using AlertPipeline.Tests.Support;
using AlertPipeline.Transport.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Kafka;

/// <summary>The simulator producing straight to the device-events topic, as a trust's relay would.</summary>
[Collection(KafkaCollection.Name)]
public sealed class KafkaSimulatorTests : IDisposable
{
    private readonly KafkaTestCluster _kafka = new();

    public void Dispose() => _kafka.Dispose();

    [Fact]
    public async Task SimulatorOnKafka_EveryConcerningEventItProducedIsCountedInAnAlert()
    {
        await using var host = await TestHost.StartAsync(_kafka.HostOverrides());
        SimulatorOptions Options() => new() { Sink = "kafka", Screenshots = false, Seed = 11, RunId = "kafka-sim", ConcerningShare = 0.2, EventsPerSecond = 5_000, MaxEvents = 600 };
        using var producer = new KafkaProducer(Microsoft.Extensions.Options.Options.Create(_kafka.Options), TimeProvider.System, NullLogger<KafkaProducer>.Instance);
        var sink = new KafkaEventSink(new KafkaEventPublisher(producer, Microsoft.Extensions.Options.Options.Create(_kafka.Options), TimeProvider.System));

        var stats = await SimulatorRunner.Create(sink, Options()).RunAsync(CancellationToken.None);

        // The generator is deterministic for a seed and run id: a second one says which events were concerning.
        var truth = new ActivityGenerator(Microsoft.Extensions.Options.Options.Create(Options()), TimeProvider.System, new ScreenshotRenderer());
        var concerning = Enumerable.Range(0, 600).Select(_ => truth.Next()).Where(e => e.Concerning).Select(e => e.Key).ToList();
        Assert.Equal(600, stats.Sent);
        Assert.Equal(0, stats.FailedBatches);
        Assert.Equal(concerning.Count, stats.Concerning);
        Assert.True(concerning.Count > 80, $"enough concerning events ({concerning.Count})");
        await Eventually.TrueAsync(() => host.Alerts.KnownEvents(concerning).Count == concerning.Count,
            "every concerning event produced to Kafka to be counted in an alert", TimeSpan.FromSeconds(60));
    }
}
