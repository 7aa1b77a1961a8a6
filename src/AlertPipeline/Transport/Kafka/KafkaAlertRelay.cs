using System.Text.Json;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Transport.Kafka;

/// <summary>
/// Publishes every change of every alert to the alerts topic for downstream systems (a trust's case-management tool,
/// kcat): created, merged, raised, acknowledged, assigned, noted, escalated, resolved, each with the alert's version
/// (1 = created). The alert store is the outbox (<see cref="AlertChangeFeed"/>): a change is marked relayed only
/// after the records are acknowledged, so a crash re-publishes at most one batch: at-least-once, keyed by alert id
/// (one alert's changes share a partition, in version order), and a consumer drops a record whose version it has
/// already seen. Any number of responders may run this; one relays at a time.
/// <para>
/// Data minimisation: the record names the alert, pupil, school, categories, severity and status, never the captured
/// text nor what a DSL wrote; those stay in the alert store behind the console's access rules.
/// </para>
/// </summary>
internal sealed partial class KafkaAlertRelay(
    IAlertStore store,
    KafkaProducer producer,
    IOptions<KafkaOptions> options,
    TimeProvider clock,
    ILogger<KafkaAlertRelay> logger) : BackgroundService
{
    private const int BatchSize = 500;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The record's schema: 2 since every change is relayed with a version (1 carried only the first).</summary>
    private static readonly byte[] Schema = "2"u8.ToArray();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var topic = options.Value.Topics.Alerts;
        var feed = new AlertChangeFeed(store);

        // The wake-up interval bounds how stale the topic is; publishing itself is batched.
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), clock);
        do
        {
            try
            {
                while (await feed.RelayAsync(BatchSize, changes => PublishAsync(topic, changes)).ConfigureAwait(false) == BatchSize)
                {
                    stoppingToken.ThrowIfCancellationRequested();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Broker down or database busy: nothing was marked relayed; try again on the next tick.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogRelayFailed(ex);
            }
        }
        while (await timer.NextTickOrStopAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task PublishAsync(string topic, IReadOnlyList<AlertChange> changes)
    {
        var messages = changes.Select(c => new Message<string?, byte[]>
        {
            Key = c.AlertId,
            Value = JsonSerializer.SerializeToUtf8Bytes(new
            {
                alertId = c.AlertId,
                version = c.Version,
                change = c.Change,
                changedAt = c.At,
                status = c.Status,
                severity = c.Severity.ToName(),
                eventId = c.EventId,
                rule = c.Rule,
                schoolId = c.SchoolId,
                deviceId = c.DeviceId,
                userLogin = c.UserLogin,
                occurredAt = c.OccurredAt,
                source = c.Source,
                categories = c.Categories,
                listVersion = c.ListVersion,
                createdAt = c.CreatedAt,
                isTest = c.IsTest,
            }, Json),
            Headers = new Headers { { KafkaHeaders.Schema, Schema } },
        }).ToList();
        await producer.ProduceAllAsync(topic, messages).ConfigureAwait(false);
        LogRelayed(messages.Count, topic);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Published {Count} alert changes to {Topic}")]
    private partial void LogRelayed(int count, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing alert changes to Kafka failed; retrying from the same change")]
    private partial void LogRelayFailed(Exception exception);
}
