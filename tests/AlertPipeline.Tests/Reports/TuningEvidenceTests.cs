using System.Net;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Reports.Tuning;
using AlertPipeline.Tests.Support;
using AlertPipeline.Triage;

namespace AlertPipeline.Tests.Reports;

public sealed class TuningEvidenceTests
{
    private static KeywordEntry Entry(string category, string term) => new(term, category, Severity.High, MatchKind.Word, SourceKinds.Any);

    [Fact]
    public void Compute_AlertsWithOutcomes_PerRuleCountsNeverFiredAndThinCategories()
    {
        var entries = new List<KeywordEntry> { Entry("suicide", "kill myself"), Entry("suicide", "end it all"), Entry("weapons", "knife") };
        entries.AddRange(Enumerable.Range(0, 12).Select(i => Entry("bullying", "word" + i)));
        (IReadOnlyList<string>, string?)[] alerts =
        [
            (["suicide/kill myself"], TriageOutcomes.ConcernConfirmed),
            (["suicide/kill myself", "suicide/kill myself"], TriageOutcomes.FalsePositive), // one alert, however many matches
            (["suicide/kill myself", "bullying/word1"], TriageOutcomes.Referred),
            (["suicide/kill myself"], null),
            (["model"], TriageOutcomes.FalsePositive),
        ];

        var data = TuningEvidence.Compute(alerts, entries);

        var kill = data.Rules[0];
        Assert.Equal(new RuleEvidence("suicide/kill myself", "suicide", 4, 2, 1, 3), kill);
        Assert.Equal(2.0 / 3, kill.Precision);
        Assert.Equal(new RuleEvidence("model", "model", 1, 0, 1, 1), data.Rules.Single(r => r.Rule == "model"));
        Assert.Equal(["suicide/end it all", "weapons/knife"], data.NeverFired.Where(e => e.Category != "bullying").Select(e => e.Id));
        Assert.Equal(11, data.NeverFired.Count(e => e.Category == "bullying"));
        Assert.Equal([("weapons", 1), ("suicide", 2)], data.Thin); // bullying's 12 entries are not thin
        Assert.Equal(15, data.Entries);
    }

    [Fact]
    public async Task TuningPage_AsItAndAsDsl_ExactFiguresForItTestAlertsLeftOutDslRefused()
    {
        await using var host = await TestHost.StartAsync();
        var triage = host.App.Services.GetRequiredService<IAlertTriage>();
        var outcomes = new[] { TriageOutcomes.ConcernConfirmed, TriageOutcomes.Referred, TriageOutcomes.FalsePositive, TriageOutcomes.FalsePositive, TriageOutcomes.FalsePositive, null };
        foreach (var outcome in outcomes)
        {
            var alert = ConsoleData.SaveAlert(host, text: "i want to die", screenshot: false);
            if (outcome is not null)
            {
                triage.Resolve(alert.AlertId, "dsl.oak", outcome, outcome == TriageOutcomes.Referred ? "CPOMS-1" : null, null);
            }
        }

        var test = ConsoleData.SaveAlert(host, text: "i want to die", screenshot: false);
        using (var connection = host.Alerts.Database.Open())
        {
            AlertPipeline.Storage.SqliteDatabase.Execute(connection, $"UPDATE alerts SET is_test = 1 WHERE alert_id = '{test.AlertId}'");
        }

        ConsoleSession.CreateUser(host, "it.tech", "it");
        ConsoleSession.CreateUser(host, "dsl.oak", "dsl", "oakfield");
        using var it = await ConsoleSession.SignInAsync(host, "it.tech", ConsoleSession.Password);
        using var dsl = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password);

        var page = await it.Http.GetStringAsync("/it/tuning?school=oakfield");
        var refused = await dsl.Http.GetAsync("/it/tuning");
        var badYear = await it.Http.GetAsync("/it/tuning?year=2026");

        Assert.Contains("<tr><th scope=\"row\"><code>suicide/i want to die</code></th><td>Suicide</td>\n<td>6</td><td>2</td><td>3</td><td>5</td><td>40%</td></tr>", page.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("1 rules raised alerts", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badYear.StatusCode);
        Assert.Contains("year must be an academic year such as 2025-26 (was '2026')", await badYear.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
