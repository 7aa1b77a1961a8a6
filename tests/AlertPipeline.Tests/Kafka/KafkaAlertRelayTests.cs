using System.Text.Json.Nodes;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Events;
using AlertPipeline.Schools;
using AlertPipeline.Storage.Postgres;
using AlertPipeline.Tests.Support;
using AlertPipeline.Triage;

namespace AlertPipeline.Tests.Kafka;

/// <summary>
/// The alerts topic carries every change of an alert with its version (ADR 0023), read back with kcat from the mock
/// cluster: on the embedded SQLite store, and with two responders relaying from one real PostgreSQL.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class KafkaAlertRelayTests : IDisposable
{
    private readonly KafkaTestCluster _kafka = new();

    public void Dispose() => _kafka.Dispose();

    [Fact]
    public async Task Relay_AlertAcknowledgedThenResolved_ThreeRecordsWithIncreasingVersions()
    {
        await using var host = await TestHost.StartAsync(_kafka.HostOverrides());
        var e = Some.ConcerningEvent();
        await _kafka.KcatAsync(e.ToJsonString() + "\n", "-P", "-t", _kafka.Topics.Events, "-k", "oak.y9.jsmith", "-H", "ap-schema=1");
        var alert = await Eventually.ReturnsAsync(() => host.Alerts.List(new()).SingleOrDefault(a => a.EventId == (string)e["eventId"]!), a => a is not null, "the alert");
        await Eventually.TrueAsync(() => _kafka.ReadTopicAsync(_kafka.Topics.Alerts).GetAwaiter().GetResult().Count == 1, "the created version on the topic");

        var triage = host.App.Services.GetRequiredService<IAlertTriage>();
        Assert.Equal(TriageResultKind.Done, triage.Acknowledge(alert!.AlertId, "a.patel").Kind);
        Assert.Equal(TriageResultKind.Done, triage.Resolve(alert.AlertId, "a.patel", TriageOutcomes.NoFurtherAction, null, "spoke to pupil").Kind);

        var records = await Eventually.ReturnsAsync(
            () => _kafka.ReadTopicAsync(_kafka.Topics.Alerts).GetAwaiter().GetResult(), r => r.Count >= 3, "three versions on the topic");
        await Task.Delay(TimeSpan.FromSeconds(1)); // a repeat would follow within a relay tick
        records = await _kafka.ReadTopicAsync(_kafka.Topics.Alerts);

        Assert.Equal(3, records.Count);
        Assert.All(records, r => Assert.Equal(alert.AlertId, (string)r["key"]!));
        var bodies = records.Select(r => JsonNode.Parse((string)r["payload"]!)!).ToList();
        Assert.Equal([(1L, "created", "new"), (2L, "acknowledged", "acknowledged"), (3L, "resolved", "resolved")],
            bodies.Select(b => ((long)b["version"]!, (string)b["change"]!, (string)b["status"]!)));
        Assert.All(bodies, b => Assert.Null(b["text"])); // Data minimisation: neither the captured text...
        Assert.DoesNotContain(bodies, b => b.ToJsonString().Contains("spoke to pupil", StringComparison.Ordinal)); // ...nor the DSL's note.
        Assert.All(records, r => Assert.Equal("2", Headers(r)["ap-schema"]));
    }

    [Fact]
    public async Task Relay_TwoRespondersOnOnePostgres_EachChangePublishedOnceInVersionOrder()
    {
        // Its own throwaway cluster: this class is in the Kafka collection (one at a time), not the PostgreSQL one.
        var pg = new PostgresCluster();
        await pg.InitializeAsync();
        try
        {
            await RelayFromTwoRespondersAsync(await pg.CreateDatabaseAsync("relay"));
        }
        finally
        {
            await pg.DisposeAsync();
        }
    }

    private async Task RelayFromTwoRespondersAsync(string connectionString)
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        await using var a = await PostgresResponder.StartAsync(connectionString, first.Path, _kafka.HostOverrides());
        await using var b = await PostgresResponder.StartAsync(connectionString, second.Path, _kafka.HostOverrides());
        using var database = new PostgresDatabase(connectionString);
        var store = new PostgresAlertStore(database, TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        var alerts = Enumerable.Range(0, 40).Select(i =>
        {
            var alert = new Alert(Alert.IdFor(new EventKey("oakfield", "OAK-1", $"e-{i}"), "r"), $"e-{i}", "r", "oakfield", "OAK-1", "oak.y9.jsmith", now,
                "search", null, null, null, "text", "text", ["suicide"], Severity.High, [], "v1", AlertStatus.New, now, now);
            return (alert, (IReadOnlyList<OutboxNotification>)[]);
        }).ToList();

        store.Save(alerts, []);
        var triage = new StoreAlertTriage(store, TimeProvider.System);
        foreach (var (alert, _) in alerts)
        {
            triage.Acknowledge(alert.AlertId, "a.patel");
            triage.Resolve(alert.AlertId, "a.patel", TriageOutcomes.FalsePositive, null, null);
        }

        var records = await Eventually.ReturnsAsync(
            () => _kafka.ReadTopicAsync(_kafka.Topics.Alerts).GetAwaiter().GetResult(), r => r.Count >= 120, "120 changes on the topic", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2)); // the other responder's repeat, if any, would land now
        records = await _kafka.ReadTopicAsync(_kafka.Topics.Alerts);

        Assert.Equal(120, records.Count);
        var changes = records.Select(r => (Key: (string)r["key"]!, Body: JsonNode.Parse((string)r["payload"]!)!)).ToList();
        Assert.All(changes.GroupBy(c => c.Key), g => Assert.Equal([1L, 2L, 3L], g.Select(c => (long)c.Body["version"]!)));
        Assert.Equal(0, new AlertChangeFeed(store).Backlog());
    }

    private static Dictionary<string, string> Headers(JsonObject record)
    {
        var flat = record["headers"]!.AsArray().Select(h => (string)h!).ToList();
        return Enumerable.Range(0, flat.Count / 2).ToDictionary(i => flat[2 * i], i => flat[(2 * i) + 1]);
    }
}
