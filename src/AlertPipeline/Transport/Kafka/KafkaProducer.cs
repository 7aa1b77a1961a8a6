using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Transport.Kafka;

/// <summary>Record headers AlertPipeline writes and reads (docs/events.md, docs/delivery.md).</summary>
internal static class KafkaHeaders
{
    public const string Schema = "ap-schema";
    public const string EventId = "ap-event-id";
    public const string DeadLetterReason = "ap-dead-letter-reason";
    public const string OriginalTopic = "ap-original-topic";
    public const string OriginalPartition = "ap-original-partition";
    public const string OriginalOffset = "ap-original-offset";
    public const string PayloadSha256 = "ap-payload-sha256";
    public const string PayloadBytes = "ap-payload-bytes";
    public const string PayloadTruncated = "ap-payload-truncated";

    public static string? Get(Headers? headers, string key) =>
        headers is not null && headers.TryGetLastBytes(key, out var value) ? Encoding.UTF8.GetString(value) : null;
}

/// <summary>
/// The process's one Kafka producer (librdkafka batches per connection, so one producer shared by ingest, dead
/// letters and the alert relay is cheaper than three). <see cref="ProduceAllAsync"/> completes only when every record
/// has its delivery report: with <c>acks=all</c> that is the moment it is durable.
/// </summary>
internal sealed partial class KafkaProducer : IDisposable
{
    private readonly IProducer<string?, byte[]> _producer;
    private readonly TimeProvider _clock;
    private readonly ILogger<KafkaProducer> _logger;

    public KafkaProducer(IOptions<KafkaOptions> options, TimeProvider clock, ILogger<KafkaProducer> logger)
    {
        _clock = clock;
        _logger = logger;
        _producer = new ProducerBuilder<string?, byte[]>(KafkaClientConfig.Producer(options.Value, KafkaClientConfig.ClientId("producer")))
            .SetErrorHandler((_, error) => LogClientError(error.Code, error.Reason))
            .SetLogHandler((_, message) => LogClient(message.Level.ToString(), message.Facility, message.Message))
            .Build();
    }

    /// <summary>Produces every record and waits for all delivery reports; throws if any record was not delivered.</summary>
    public async Task ProduceAllAsync(string topic, IReadOnlyList<Message<string?, byte[]>> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var batch = new DeliveryBatch(messages.Count);
        foreach (var message in messages)
        {
            while (true)
            {
                try
                {
                    _producer.Produce(topic, message, batch.Report);
                    break;
                }
                catch (ProduceException<string?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // librdkafka's local buffer is full (brokers slower than ingest, or down): wait for room rather
                    // than fail. The HTTP request waits with us; that is ingest's back-pressure under Kafka.
                    await Task.Delay(TimeSpan.FromMilliseconds(10), _clock).ConfigureAwait(false);
                }
            }
        }

        await batch.Completion.ConfigureAwait(false);
    }

    public void Dispose()
    {
        // Records still in flight belong to requests that have not been answered; give them a chance to land.
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka producer: {Code} {Reason}")]
    private partial void LogClientError(ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "librdkafka {Level} {Facility}: {Message}")]
    private partial void LogClient(string level, string facility, string message);

    /// <summary>Counts delivery reports for one call; completes once all have arrived, failed if any failed.</summary>
    private sealed class DeliveryBatch(int count)
    {
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining = count;
        private Error? _firstError;

        public Task Completion => _completion.Task;

        public void Report(DeliveryReport<string?, byte[]> report)
        {
            if (report.Error.IsError)
            {
                Interlocked.CompareExchange(ref _firstError, report.Error, null);
            }

            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                if (_firstError is { } error)
                {
                    _completion.SetException(new KafkaException(error));
                }
                else
                {
                    _completion.SetResult();
                }
            }
        }
    }
}
