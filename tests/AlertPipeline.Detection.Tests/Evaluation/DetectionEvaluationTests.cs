using AlertPipeline.Detection.Evaluation;

namespace AlertPipeline.Detection.Tests.Evaluation;

public sealed class DetectionEvaluationTests
{
    private static EvaluatedItem Item(string id, string expected, string predicted) =>
        new(id, Set(expected), Set(predicted));

    private static HashSet<string> Set(string csv) => [.. csv.Split(',', StringSplitOptions.RemoveEmptyEntries)];

    [Fact]
    public void Evaluate_MixedItems_ComputesPerCategoryAndFlaggedMetrics()
    {
        var report = DetectionEvaluation.Evaluate([
            Item("1", "suicide", "suicide"),
            Item("2", "suicide", ""),
            Item("3", "", "suicide"),
            Item("4", "drugs", "drugs,suicide"),
            Item("5", "", ""),
        ]);

        var suicide = report.PerCategory.Single(c => c.Name == "suicide");
        Assert.Equal((1, 2, 1), (suicide.TruePositives, suicide.FalsePositives, suicide.FalseNegatives));
        Assert.Equal(1.0 / 3, suicide.Precision!.Value, 6);
        Assert.Equal(0.5, suicide.Recall!.Value, 6);
        Assert.Equal(0.4, suicide.F1!.Value, 6);

        Assert.Equal((2, 1, 1), (report.Flagged.TruePositives, report.Flagged.FalsePositives, report.Flagged.FalseNegatives));
        Assert.Equal((2, 2, 1), (report.Micro.TruePositives, report.Micro.FalsePositives, report.Micro.FalseNegatives));
        Assert.Equal((0.4 + 1.0) / 2, report.MacroF1!.Value, 6);
        Assert.Equal("2", Assert.Single(report.Misses).Id);
        Assert.Equal("3", Assert.Single(report.FalseAlarms).Id);
    }

    [Fact]
    public void Evaluate_NothingPredicted_LeavesPrecisionUndefined()
    {
        var report = DetectionEvaluation.Evaluate([Item("1", "suicide", "")]);
        Assert.Null(report.Flagged.Precision);
        Assert.Equal(0.0, report.Flagged.Recall);
        Assert.Null(report.Flagged.F1);
    }
}
