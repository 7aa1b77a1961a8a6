using System.Net;
using AlertPipeline.Cli;
using AlertPipeline.Detection;
using AlertPipeline.Model;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Support;
using AlertPipeline.Triage;

namespace AlertPipeline.Tests.Model;

/// <summary>
/// Learning from DSLs (issue 13): closed alerts export as labelled data, training reads them, and a proposed model
/// threshold is replayed over retained events with the outcomes of the alerts it would silence.
/// </summary>
public sealed class DslOutcomesTests
{
    private const string ModelOnlyText = "i have written my goodbye letters, i have no reason to stay anymore and nothing will ever get better";

    [Fact]
    public async Task Read_ResolvedAlerts_ConcernAndFalsePositiveLabelledNoFurtherActionAndOpenLeftOut()
    {
        await using var host = await TestHost.StartAsync();
        var triage = host.App.Services.GetRequiredService<IAlertTriage>();
        var confirmed = ConsoleData.SaveAlert(host, text: "i want to die", category: "suicide", screenshot: false);
        var referred = ConsoleData.SaveAlert(host, text: "he hits me", category: "violence", screenshot: false);
        var wrong = ConsoleData.SaveAlert(host, text: "kill the process", category: "violence", screenshot: false);
        var noAction = ConsoleData.SaveAlert(host, text: "this is shit", category: "offensive-language", screenshot: false);
        ConsoleData.SaveAlert(host, text: "still open", category: "bullying", screenshot: false);
        triage.Resolve(confirmed.AlertId, "dsl", TriageOutcomes.ConcernConfirmed, null, null);
        triage.Resolve(referred.AlertId, "dsl", TriageOutcomes.Referred, "CPOMS-1", null);
        triage.Resolve(wrong.AlertId, "dsl", TriageOutcomes.FalsePositive, null, null);
        triage.Resolve(noAction.AlertId, "dsl", TriageOutcomes.NoFurtherAction, null, null);

        var rows = DslOutcomes.Read(host.Alerts, since: null);

        Assert.Equal(
            [("he hits me", "concern", "violence"), ("i want to die", "concern", "suicide"), ("kill the process", "false-positive", "violence")],
            rows.Select(r => (r.Text, r.Label, r.Category)).OrderBy(r => r.Text, StringComparer.Ordinal));
    }

    [Fact]
    public async Task ModelOutcomes_Cli_WritesCsvWithoutPupilsThatTrainingReadsAsLabels()
    {
        await using var host = await TestHost.StartAsync();
        var triage = host.App.Services.GetRequiredService<IAlertTriage>();
        var confirmed = ConsoleData.SaveAlert(host, text: "nobody would care if i was gone", category: "suicide", login: "oak.y8.secret", screenshot: false);
        var wrong = ConsoleData.SaveAlert(host, text: "my essay on, \"guns\" in Macbeth", category: "bullying", login: "oak.y8.secret", screenshot: false, modelOnly: true);
        var drugs = ConsoleData.SaveAlert(host, text: "got any bud", category: "drugs", login: "oak.y8.secret", screenshot: false);
        triage.Resolve(confirmed.AlertId, "dsl", TriageOutcomes.ConcernConfirmed, null, null);
        triage.Resolve(wrong.AlertId, "dsl", TriageOutcomes.FalsePositive, null, null);
        triage.Resolve(drugs.AlertId, "dsl", TriageOutcomes.ConcernConfirmed, null, null);
        using var directory = new TempDirectory();
        var file = Path.Combine(directory.Path, "outcomes.csv");

        var (exit, output) = await RunAsync("model", "outcomes", "--out", file, "--data-dir", host.DataDirectory);

        Assert.True(exit == 0, output);
        Assert.Contains("wrote 3 labelled rows (2 concern, 1 false positive)", output, StringComparison.Ordinal);
        var csv = File.ReadAllText(file);
        Assert.StartsWith("text,label,category,severity,rule,outcome", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("oak.y8.secret", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(confirmed.AlertId, csv, StringComparison.Ordinal);
        Assert.Contains("false-positive,bullying,urgent,model,false-positive", csv, StringComparison.Ordinal);

        var texts = DslOutcomes.ReadForTraining(file);

        // Drugs has no model head, so two texts; each labels only its own category's head.
        Assert.Equal(2, texts.Count);
        var suicide = Assert.Single(texts, t => t.Text == "nobody would care if i was gone");
        Assert.Equal([1, -1, -1, -1, -1, -1], suicide.Labels.Select(l => (int)l));
        var essay = Assert.Single(texts, t => t.Text.StartsWith("my essay", StringComparison.Ordinal));
        Assert.Equal("my essay on, \"guns\" in Macbeth", essay.Text);
        Assert.Equal([-1, -1, -1, 0, -1, -1], essay.Labels.Select(l => (int)l));
        Assert.All(texts, t => Assert.Equal(DslOutcomes.Source, t.Source));
    }

    [Fact]
    public void ReadForTraining_UnknownLabel_NamesTheRowAndTheLabel()
    {
        using var directory = new TempDirectory();
        var file = Path.Combine(directory.Path, "outcomes.csv");
        File.WriteAllText(file, "text,label,category\nsome text,maybe,suicide\n");

        var ex = Assert.Throws<CliException>(() => DslOutcomes.ReadForTraining(file));

        Assert.Contains("row 2: label 'maybe' is not concern or false-positive", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_ProposedModelBands_CountsTheAlertsItWouldSilenceByOutcome()
    {
        await using var host = await TestHost.StartAsync();
        host.UseKey();
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostEventsAsync([Some.Event(ModelOnlyText), Some.Event("premier league table")])).StatusCode);
        await Eventually.TrueAsync(() => host.Alerts.Count() == 1, "the model-only alert");
        var alert = Assert.Single(host.Alerts.List(new()));
        Assert.Equal("model", alert.Rule);
        host.App.Services.GetRequiredService<IAlertTriage>().Resolve(alert.AlertId, "dsl", TriageOutcomes.FalsePositive, null, null);

        var (exit, output) = await RunAsync("replay", "--since", "1d", "--model-bands", "suicide:0.9999=urgent", "--data-dir", host.DataDirectory);

        Assert.True(exit == 0, output);
        Assert.Contains("replay of 2 events", output, StringComparison.Ordinal);
        Assert.Contains("with model bands suicide:0.9999=urgent: 0 events alerted", output, StringComparison.Ordinal);
        Assert.Matches($@"{alert.Severity.ToName()}\s+suicide\s+0\s+-1", output);
        Assert.Contains("events that would no longer alert, by the DSL's outcome: false-positive 1", output, StringComparison.Ordinal);
        Assert.Equal(1, host.Alerts.Count()); // a replay changes nothing
    }

    [Theory]
    [InlineData("gardening:0.9=high", "a category of the model")]
    [InlineData("suicide:0.9=severe", "'severe' in '0.9=severe' is not a severity")]
    public async Task Replay_BadModelBands_NamesTheProblem(string bands, string expected)
    {
        using var data = new TempDirectory();
        var (exit, output) = await RunAsync("replay", "--since", "1d", "--model-bands", bands, "--data-dir", data.Path);
        Assert.NotEqual(0, exit);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var (code, output, error) = await CliTests.RunAsync(args);
        return (code, output + error);
    }
}
