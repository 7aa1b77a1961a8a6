using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Transport.Kafka;

/// <summary>The Kafka transport (section <c>Kafka</c>), used when <c>Transport:Kind</c> is <c>kafka</c>.</summary>
internal sealed class KafkaOptions
{
    public const string Section = "Kafka";

    /// <summary>Comma-separated <c>host:port</c> list, e.g. <c>kafka-1:9092,kafka-2:9092</c>.</summary>
    public string BootstrapServers { get; set; } = string.Empty;

    public KafkaTopics Topics { get; set; } = new();

    /// <summary>
    /// Partitions of the device-events topic: the most detect processes that can share the work. The topic set-up
    /// (docker-compose's <c>kafka-setup</c>, <c>alertpipeline kafka-mock</c>) creates the topics with this count;
    /// the application itself never creates topics.
    /// </summary>
    public int EventPartitions { get; set; } = 12;

    /// <summary>Replicas per partition the topic set-up asks for (3 in production; <c>acks=all</c> waits for the in-sync ones).</summary>
    public short ReplicationFactor { get; set; } = 3;

    /// <summary>The consumer group every <c>detect</c> process joins; processes in one group share the partitions.</summary>
    public string GroupId { get; set; } = "alertpipeline-detect";

    /// <summary>
    /// This detect process's static member id in the group (<c>group.instance.id</c>), stable across its restarts: e.g.
    /// <c>detect-1</c>, a StatefulSet pod name, or <c>{host}-detect</c> (<c>{host}</c> is the machine name). A member that
    /// comes back under the same id within <see cref="SessionTimeout"/> gets its partitions back with no rebalance, so a
    /// restart or deploy does not pause detection for the others. Unset: dynamic membership (every join or leave
    /// rebalances). Two live processes must never share one id: the broker fences the older one.
    /// </summary>
    public string? GroupInstanceId { get; set; }

    /// <summary>How long a silent detect process keeps its partitions before the group gives them to another.</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the producer keeps retrying a record (e.g. while a broker is down) before ingest answers 5xx.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long the producer waits to fill a batch: a little latency for far fewer requests.</summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Optional path of librdkafka (default: the centos8 build librdkafka.redist ships, on glibc Linux x64; ADR 0008).</summary>
    public string? LibrdkafkaPath { get; set; }

    /// <summary>Any other librdkafka setting passed through as is (e.g. <c>security.protocol</c>, <c>sasl.mechanism</c>).</summary>
    public Dictionary<string, string> Client { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class KafkaTopics
{
    public string Events { get; set; } = "alertpipeline.device-events";

    public string Alerts { get; set; } = "alertpipeline.alerts";

    public string DeadLetters { get; set; } = "alertpipeline.dead-letters";
}

internal sealed partial class KafkaOptionsValidator : IValidateOptions<KafkaOptions>
{
    public ValidateOptionsResult Validate(string? name, KafkaOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            failures.Add("Kafka:BootstrapServers must be set when Transport:Kind is kafka (e.g. 'kafka-1:9092,kafka-2:9092').");
        }
        else
        {
            foreach (var server in options.BootstrapServers.Split(',', StringSplitOptions.TrimEntries))
            {
                var colon = server.LastIndexOf(':');
                if (colon <= 0 || !int.TryParse(server.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
                {
                    failures.Add($"Kafka:BootstrapServers entries must be host:port (was '{server}' in '{options.BootstrapServers}').");
                }
            }
        }

        if (options.GroupInstanceId is { } instance && !InstanceIdPattern().IsMatch(instance))
        {
            failures.Add($"Kafka:GroupInstanceId may use letters, digits, '.', '_', '-' and '{{host}}' (was '{instance}').");
        }

        Topic(failures, "Events", options.Topics.Events);
        Topic(failures, "Alerts", options.Topics.Alerts);
        Topic(failures, "DeadLetters", options.Topics.DeadLetters);
        var names = new[] { options.Topics.Events, options.Topics.Alerts, options.Topics.DeadLetters };
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length)
        {
            failures.Add($"Kafka:Topics:Events, Alerts and DeadLetters must be three different topics (were '{string.Join("', '", names)}').");
        }

        if (options.EventPartitions is < 1 or > 10_000)
        {
            failures.Add($"Kafka:EventPartitions must be between 1 and 10000 (was {options.EventPartitions}).");
        }

        if (options.ReplicationFactor is < 1 or > 16)
        {
            failures.Add($"Kafka:ReplicationFactor must be between 1 and 16 (was {options.ReplicationFactor}).");
        }

        if (string.IsNullOrWhiteSpace(options.GroupId) || options.GroupId.Length > 255)
        {
            failures.Add($"Kafka:GroupId must be 1-255 characters (was '{options.GroupId}').");
        }

        if (options.SessionTimeout < TimeSpan.FromSeconds(1) || options.SessionTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"Kafka:SessionTimeout must be between 00:00:01 and 00:05:00 (was {options.SessionTimeout}).");
        }

        if (options.DeliveryTimeout < TimeSpan.FromSeconds(1) || options.DeliveryTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"Kafka:DeliveryTimeout must be between 00:00:01 and 01:00:00 (was {options.DeliveryTimeout}).");
        }

        if (options.Linger < TimeSpan.Zero || options.Linger > TimeSpan.FromSeconds(1))
        {
            failures.Add($"Kafka:Linger must be between 00:00:00 and 00:00:01 (was {options.Linger}).");
        }

        if (options.LibrdkafkaPath is { } path && !File.Exists(path))
        {
            failures.Add($"Kafka:LibrdkafkaPath must name an existing file (was '{path}').");
        }

        foreach (var key in options.Client.Keys.Where(KafkaClientConfig.Managed.Contains))
        {
            failures.Add($"Kafka:Client:{key} is set by AlertPipeline itself and cannot be overridden (was '{options.Client[key]}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Topic(List<string> failures, string key, string value)
    {
        if (!TopicName().IsMatch(value ?? string.Empty))
        {
            failures.Add($"Kafka:Topics:{key} must be 1-249 characters of [A-Za-z0-9._-] (was '{value}').");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,249}$")]
    private static partial Regex TopicName();

    [GeneratedRegex("^([A-Za-z0-9._-]|\\{host\\}){1,200}$")]
    private static partial Regex InstanceIdPattern();
}
