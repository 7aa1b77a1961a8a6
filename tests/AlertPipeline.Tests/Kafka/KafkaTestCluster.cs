using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AlertPipeline.Alerts;
using AlertPipeline.Queue;
using AlertPipeline.Storage;
using AlertPipeline.Transport.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Kafka;

/// <summary>Kafka tests start brokers and child processes; on two cores they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KafkaCollection
{
    public const string Name = "Kafka";
}

/// <summary>
/// A fresh 3-broker Kafka-protocol cluster (librdkafka's mock cluster: real TCP, real protocol, consumer groups) with
/// AlertPipeline's topics, and the settings that point a host, a child process or kcat at it.
/// </summary>
internal sealed class KafkaTestCluster : IDisposable
{
    public KafkaTestCluster(int eventPartitions = 6)
    {
        Mock = new MockKafkaCluster(brokers: 3);
        Options = new KafkaOptions
        {
            BootstrapServers = Mock.BootstrapServers,
            EventPartitions = eventPartitions,
            SessionTimeout = TimeSpan.FromSeconds(3),
            DeliveryTimeout = TimeSpan.FromMinutes(1),
        };
        Mock.CreateTopics(Options);
    }

    public MockKafkaCluster Mock { get; }

    public KafkaOptions Options { get; }

    public KafkaTopics Topics => Options.Topics;

    /// <summary>Configuration keys for an in-process <see cref="Support.TestHost"/>.</summary>
    public Dictionary<string, string?> HostOverrides(string groupId = "alertpipeline-detect") => new()
    {
        ["Transport:Kind"] = "kafka",
        ["Kafka:BootstrapServers"] = Options.BootstrapServers,
        ["Kafka:EventPartitions"] = Options.EventPartitions.ToString(CultureInfo.InvariantCulture),
        ["Kafka:SessionTimeout"] = Options.SessionTimeout.ToString(),
        ["Kafka:DeliveryTimeout"] = Options.DeliveryTimeout.ToString(),
        ["Kafka:GroupId"] = groupId,
    };

    /// <summary>Environment variables for an <c>alertpipeline serve</c> child process.</summary>
    public Dictionary<string, string> ProcessEnvironment(string groupId = "alertpipeline-detect", int? readBatchSize = null)
    {
        var environment = HostOverrides(groupId).ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value!);
        if (readBatchSize is { } size)
        {
            environment["Queue__ReadBatchSize"] = size.ToString(CultureInfo.InvariantCulture);
        }

        return environment;
    }

    /// <summary>Publishes events the way ingest does (for tests that need no HTTP in front).</summary>
    public async Task PublishAsync(IEnumerable<JsonObject> events)
    {
        using var producer = new KafkaProducer(Microsoft.Extensions.Options.Options.Create(Options), TimeProvider.System, NullLogger<KafkaProducer>.Instance);
        var publisher = new KafkaEventPublisher(producer, Microsoft.Extensions.Options.Options.Create(Options), TimeProvider.System);
        var queued = events.Select(e => new QueuedEvent(
            (string)e["eventId"]!, (string)e["schoolId"]!, (string)e["deviceId"]!, (string)e["userLogin"]!, System.Text.Encoding.UTF8.GetBytes(e.ToJsonString()))).ToList();
        foreach (var chunk in queued.Chunk(500))
        {
            await publisher.PublishAsync(chunk, CancellationToken.None);
        }
    }

    /// <summary>Runs kcat (an independent Kafka client) against this cluster and returns its standard output.</summary>
    public async Task<string> KcatAsync(string? input, params string[] args)
    {
        var start = new ProcessStartInfo("kcat")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-b");
        start.ArgumentList.Add(Options.BootstrapServers);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("kcat did not start (apt-get install kcat)");
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"kcat {string.Join(' ', args)} exited {process.ExitCode}: {await error}");
        return await output;
    }

    /// <summary>Every record of a topic, read from the beginning by kcat (JSON envelope: key, headers, payload).</summary>
    public async Task<List<JsonObject>> ReadTopicAsync(string topic)
    {
        var output = await KcatAsync(null, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-J");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
    }

    public static IReadOnlyList<Alert> AlertsIn(string dataDirectory) =>
        File.Exists(Path.Combine(dataDirectory, "alerts.db"))
            ? new AlertStore(Microsoft.Extensions.Options.Options.Create(new StorageOptions { DataDirectory = dataDirectory })).List(new())
            : [];

    public void Dispose() => Mock.Dispose();
}
