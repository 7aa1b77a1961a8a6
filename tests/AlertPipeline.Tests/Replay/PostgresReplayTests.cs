using System.Net;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Support;
using AlertPipeline.Triage;

namespace AlertPipeline.Tests.Replay;

/// <summary>
/// On a trust whose alerts are in PostgreSQL, the offline commands read PostgreSQL from any machine: <c>replay</c> read
/// the DSLs' outcomes from a local <c>alerts.db</c> the node does not have (so it reported none for the alerts it would
/// silence), and <c>reports</c>, <c>model outcomes</c> and <c>retention</c> refused on a machine without one.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresReplayTests(PostgresCluster cluster)
{
    private const string ModelOnlyText = "i have written my goodbye letters, i have no reason to stay anymore and nothing will ever get better";

    [Fact]
    public async Task Replay_AlertsInPostgres_CountsTheSilencedAlertsByTheOutcomeStoredThere()
    {
        var connectionString = await cluster.CreateDatabaseAsync("replay");
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = connectionString,
        });
        var alerts = Assert.IsType<PostgresAlertStore>(host.App.Services.GetRequiredService<IAlertStore>());
        host.UseKey();
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostEventsAsync([Some.Event(ModelOnlyText), Some.Event("premier league table")])).StatusCode);
        await Eventually.TrueAsync(() => alerts.Count() == 1, "the model-only alert");
        var alert = Assert.Single(alerts.List(new()));
        host.App.Services.GetRequiredService<IAlertTriage>().Resolve(alert.AlertId, "dsl", TriageOutcomes.FalsePositive, null, null);
        // The embedded queue's node-local dead letters are this node's alerts.db; the alerts and outcomes are not.
        using var directory = new TempDirectory();
        var config = await TrustConfigFile.WriteAsync(directory.Path, connectionString);

        var (code, output, error) = await CliTests.RunAsync(
            ["replay", "--since", "1d", "--model-bands", "suicide:0.9999=urgent", "--config", config, "--data-dir", host.DataDirectory]);

        Assert.True(code == 0, output + error);
        Assert.Contains("replay of 2 events", output, StringComparison.Ordinal);
        Assert.Matches($@"{alert.Severity.ToName()}\s+suicide\s+0\s+-1", output);
        Assert.Contains("events that would no longer alert, by the DSL's outcome: false-positive 1", output, StringComparison.Ordinal);
        Assert.Equal(1, alerts.Count());
    }

    [Theory]
    [InlineData("alerts", "list")]
    [InlineData("reports", "governor", "--school", "trust", "--from", "2026-11-01", "--to", "2026-11-30", "--out", "{dir}/governor.pdf")]
    [InlineData("reports", "annual-review", "--school", "trust", "--year", "2026-27", "--out", "{dir}/review")]
    [InlineData("model", "outcomes", "--out", "{dir}/outcomes.csv")]
    [InlineData("retention", "--dry-run")]
    public async Task OfflineCommand_AlertsInPostgres_RunsFromAMachineWithoutAlertsDb(params string[] command)
    {
        var connectionString = await cluster.CreateDatabaseAsync("offline");
        await using (await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = connectionString,
        }))
        {
            // The trust's database is migrated by the first node to start; the command runs elsewhere.
        }

        using var workstation = new TempDirectory();
        var data = Path.Combine(workstation.Path, "data");
        var config = await TrustConfigFile.WriteAsync(workstation.Path, connectionString);

        var (code, output, error) = await CliTests.RunAsync(
            [.. command.Select(a => a.Replace("{dir}", workstation.Path, StringComparison.Ordinal)), "--config", config, "--data-dir", data]);

        Assert.True(code == 0, output + error);
        Assert.DoesNotContain("no alert store", output + error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(data, "alerts.db")), "the command created no local alert store");
    }

    [Fact]
    public async Task Replay_TrustListsChangedElsewhere_ComparesAgainstTheTrustsVersionNotThisMachinesFolder()
    {
        var connectionString = await cluster.CreateDatabaseAsync("replaylists");
        var trust = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = connectionString,
            ["Detection:ReloadInterval"] = "01:00:00", // this machine's folder stays behind the trust's lists
        };
        await using var node = await TestHost.StartAsync(trust);
        await using var console = await TestHost.StartAsync(trust);
        node.UseKey();
        Assert.Equal(HttpStatusCode.Accepted, (await node.PostEventsAsync([Some.Event("premier league table")])).StatusCode);
        var stale = node.App.Services.GetRequiredService<DetectorHolder>().Current.Version;
        var edit = console.App.Services.GetRequiredService<AlertPipeline.ConsoleUi.Lists.KeywordEditor>()
            .Edit("suicide/want to die", "zorblax quuxly", null, null, "it.admin", "trust edit", stale);
        Assert.Null(edit.Error);
        Assert.Equal(stale, node.App.Services.GetRequiredService<DetectorHolder>().Current.Version);
        using var directory = new TempDirectory();
        var config = await TrustConfigFile.WriteAsync(directory.Path, connectionString);

        var (code, output, error) = await CliTests.RunAsync(
            ["replay", "--since", "1d", "--lists", CliTests.SeedLists(), "--config", config, "--data-dir", node.DataDirectory]);

        Assert.True(code == 0, output + error);
        Assert.Contains($"current lists   {edit.Version}:", output, StringComparison.Ordinal);
    }
}
