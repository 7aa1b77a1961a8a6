using AlertPipeline.Alerts;
using AlertPipeline.Model;
using AlertPipeline.Reports.AnnualReview;
using AlertPipeline.Reports.GovernorSummary;
using AlertPipeline.Tests.Support;
using AlertPipeline.Triage;

namespace AlertPipeline.Tests.Reports;

/// <summary>
/// The governor summary, the annual review and the DSL outcomes export read the trust's PostgreSQL when the host is
/// configured for it: the same November as <see cref="GovernorSummaryTests"/>, stored in a real PostgreSQL.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresReportsTests(PostgresCluster cluster)
{
    [Fact]
    public async Task Reports_NovemberStoredInPostgres_CountedFromPostgres()
    {
        var connectionString = await cluster.CreateDatabaseAsync("reports");
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = connectionString,
        });
        var store = host.App.Services.GetRequiredService<IAlertStore>();
        Assert.IsType<PostgresAlertStore>(store);
        GovernorSummaryTests.SaveNovember(host);
        var triage = host.App.Services.GetRequiredService<IAlertTriage>();
        var bullying = store.List(new AlertQuery("oakfield")).Where(a => a.Categories.Contains("bullying")).ToList();
        Assert.Equal(6, bullying.Count);
        foreach (var alert in bullying)
        {
            Assert.Equal(TriageResultKind.Done, triage.Resolve(alert.AlertId, "a.patel", TriageOutcomes.FalsePositive, null, null).Kind);
        }

        var governor = host.App.Services.GetRequiredService<GovernorReportBuilder>().Build(GovernorSummaryTests.November);
        var review = host.App.Services.GetRequiredService<AnnualReviewBuilder>().Build("oakfield", new AcademicYear(2026));
        var outcomes = DslOutcomes.Read(store, since: null);

        Assert.Equal(17, governor.Current.Total.Value);
        var byCategory = governor.Current.Table(GovernorReportBuilder.ByCategory);
        Assert.Equal((9L, 6L), (byCategory.Cell("suicide")!.Value, byCategory.Cell("bullying")!.Value));
        var byOutcome = governor.Current.Table(GovernorReportBuilder.ByOutcome);
        Assert.Equal((6L, 11L), (byOutcome.Cell(TriageOutcomes.FalsePositive)!.Value, byOutcome.Cell("open")!.Value));
        Assert.NotEmpty(review.Tables);
        Assert.Equal(6, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal((DslOutcomes.FalsePositive, "bullying"), (o.Label, o.Category)));
    }
}
