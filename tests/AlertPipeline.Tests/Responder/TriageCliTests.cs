using AlertPipeline.Alerts;
using AlertPipeline.Cli;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Responder;

/// <summary><c>alerts ack</c> and <c>alerts resolve</c> against a real alert store written by the real host.</summary>
[Collection(ResponderCollection.Name)]
public sealed class TriageCliTests
{
    [Fact]
    public async Task Resolve_WithOutcomeAndReference_ResolvesAndRecordsHistory()
    {
        await using var host = await TestHost.StartAsync();
        host.UseKey();
        await host.PostEventsAsync(Some.ConcerningEvent());
        var alertId = (await Eventually.ReturnsAsync(() => host.Alerts.List(new()), a => a.Count == 1, "the alert"))[0].AlertId;

        var (exit, output, error) = await RunAsync("alerts", "resolve", alertId, "--by", "a.patel", "--outcome", "referred", "--reference", "CPOMS-123", "--note", "spoke to parent", "--data-dir", host.DataDirectory);

        Assert.Equal((0, ""), (exit, error));
        Assert.Equal($"{alertId} resolved by a.patel", output.Trim());
        Assert.Equal(AlertStatus.Resolved, host.Alerts.Get(alertId)!.Status);
        var entry = Assert.Single(AlertHistory.List(host.Alerts, alertId), h => h.Action == "resolved");
        Assert.Equal(("a.patel", "{\"outcome\":\"referred\",\"reference\":\"CPOMS-123\",\"note\":\"spoke to parent\"}"), (entry.Actor, entry.Detail));
    }

    [Theory]
    [InlineData("error: alerts resolve: outcome must be one of concern-confirmed, no-further-action, false-positive, referred (was 'fixed')", "alerts", "resolve", "ALERT", "--by", "a.patel", "--outcome", "fixed")]
    [InlineData("error: alerts ack: --by USER is required (who acknowledges)", "alerts", "ack", "ALERT")]
    [InlineData("error: alerts ack: no alert 'al_missing'", "alerts", "ack", "al_missing", "--by", "a.patel")]
    [InlineData("error: alerts ack: expected one ALERT_ID (got 0)", "alerts", "ack", "--by", "a.patel")]
    public async Task Triage_InvalidInput_OneLineAndExit2(string expected, params string[] args)
    {
        await using var host = await TestHost.StartAsync();
        host.UseKey();
        await host.PostEventsAsync(Some.ConcerningEvent());
        var alertId = (await Eventually.ReturnsAsync(() => host.Alerts.List(new()), a => a.Count == 1, "the alert"))[0].AlertId;

        var (exit, output, error) = await RunAsync([.. args.Select(a => a == "ALERT" ? alertId : a), "--data-dir", host.DataDirectory]);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Equal(expected, error.TrimEnd('\n'));
        Assert.Equal(AlertStatus.New, host.Alerts.Get(alertId)!.Status);
    }

    [Fact]
    public async Task Ack_Twice_SecondChangesNothing()
    {
        await using var host = await TestHost.StartAsync();
        host.UseKey();
        await host.PostEventsAsync(Some.ConcerningEvent());
        var alertId = (await Eventually.ReturnsAsync(() => host.Alerts.List(new()), a => a.Count == 1, "the alert"))[0].AlertId;

        await RunAsync("alerts", "ack", alertId, "--by", "a.patel", "--data-dir", host.DataDirectory);
        var (exit, output, _) = await RunAsync("alerts", "ack", alertId, "--by", "b.jones", "--data-dir", host.DataDirectory);

        Assert.Equal(0, exit);
        Assert.Equal($"{alertId} is already acknowledged; nothing changed", output.Trim());
        Assert.Single(AlertHistory.List(host.Alerts, alertId), h => h.Action == "acknowledged");
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, TextReader.Null, output, error);
        return (exit, output.ToString(), error.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
