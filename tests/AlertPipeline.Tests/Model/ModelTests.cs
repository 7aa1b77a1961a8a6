using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Model;
using AlertPipeline.Model;
using AlertPipeline.Queue;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Support;
using CsvHelper;
using CsvHelper.Configuration;

namespace AlertPipeline.Tests.Model;

public sealed class ModelTrainerTests
{
    /// <summary>
    /// A small labelled sample that ships with the repo (the concerning and benign suites), mapped onto the model's
    /// categories, so the test trains in seconds on a fresh machine without ../shared/training.
    /// </summary>
    private static List<LabelledText> SuiteSample()
    {
        var texts = new List<LabelledText>();
        foreach (var suite in new[] { "concerning.csv", "benign-school.csv" })
        {
            using var reader = new StreamReader(Path.Combine(AppContext.BaseDirectory, "suites", suite));
            using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { MissingFieldFound = null });
            csv.Read();
            csv.ReadHeader();
            while (csv.Read())
            {
                var expected = (csv.GetField("expected_categories") ?? string.Empty).Split('|', StringSplitOptions.RemoveEmptyEntries);
                texts.Add(new LabelledText(csv.GetField("text")!, suite, false,
                    [.. TrainingCorpus.Heads.Select(h => expected.Contains(h, StringComparer.Ordinal) ? (sbyte)1 : (sbyte)0)]));
            }
        }

        return texts;
    }

    private static byte[] Bytes(RiskModel model)
    {
        using var buffer = new MemoryStream();
        model.Write(buffer);
        return buffer.ToArray();
    }

    [Fact]
    public void Train_SameSampleAndSeed_SameArtefactAndCoreMatchesMlNet()
    {
        var sample = SuiteSample();
        var settings = new TrainingSettings(BucketBits: 14, Iterations: 100);

        var first = ModelTrainer.Train(sample, settings, "test");
        var second = ModelTrainer.Train(sample, settings, "test");

        Assert.Equal(Bytes(first.Model), Bytes(second.Model));
        Assert.True(first.MaxParityError < 0.01f, $"core differs from ML.NET by {first.MaxParityError}");
    }

    [Fact]
    public void Train_SuiteSample_RanksSuicidalTextsAboveBenignOnes()
    {
        var sample = SuiteSample();

        var model = ModelTrainer.Train(sample, new TrainingSettings(BucketBits: 14, Iterations: 100), "test").Model;

        var head = model.IndexOf("suicide");
        var scores = new float[model.Categories.Count];
        float Score(LabelledText t)
        {
            model.Score(t.Text, scores);
            return scores[head];
        }

        var suicidal = sample.Where(t => t.Labels[0] == 1).Select(Score).Average();
        var benign = sample.Where(t => t.Source == "benign-school.csv").Select(Score).Average();
        Assert.True(suicidal > benign + 0.3f, $"suicidal mean {suicidal}, benign mean {benign}");
    }

    [Fact]
    public void Train_CategoryWithNoPositives_IsLeftUntrainedAndSaysSo()
    {
        var sample = SuiteSample().Select(t => t with { Labels = [0, .. t.Labels[1..]] }).ToList();

        var result = ModelTrainer.Train(sample, new TrainingSettings(BucketBits: 12, Iterations: 20), "test");

        Assert.Contains(result.Log, l => l.StartsWith("suicide", StringComparison.Ordinal) && l.Contains("not trained", StringComparison.Ordinal));
        var scores = new float[result.Model.Categories.Count];
        result.Model.Score("i want to kill myself", scores);
        Assert.True(scores[0] < 1e-6f);
    }
}

public sealed class ShippedModelTests
{
    private static readonly Lazy<RiskModel> Shipped = new(() => ModelArtefact.Load(ModelCommand.DefaultArtefact));

    [Fact]
    public void ShippedArtefact_Loads_WithTheCategoriesTheListsUse()
    {
        Assert.Equal(TrainingCorpus.Heads, Shipped.Value.Categories);
        Assert.True(new FileInfo(ModelArtefact.Resolve(ModelCommand.DefaultArtefact)!).Length < 8_000_000, "the artefact should stay a few MB");
    }

    [Fact]
    public void ShippedJudge_SuicidalTextNoRuleCategory_RaisesModelOnlyAlertWithPhrases()
    {
        var judge = new ModelJudge(Shipped.Value, new ModelOptions().PolicyFor(null));

        var verdict = judge.Judge("i have written my goodbye letters, i have no reason to stay anymore and nothing will ever get better", null);

        var modelOnly = Assert.IsType<DetectionResult>(verdict.ModelOnly);
        Assert.Contains("suicide", modelOnly.Categories);
        Assert.Contains("strongest phrases:", modelOnly.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("how many apples did Tom buy if each costs 30p")]
    [InlineData("see you tomorrow xxx")]
    [InlineData("who won the world cup in 1966")]
    public void ShippedJudge_OrdinaryText_NoModelAlert(string text)
    {
        var judge = new ModelJudge(Shipped.Value, new ModelOptions().PolicyFor(null));

        Assert.Null(judge.Judge(text, null).ModelOnly);
    }
}

public sealed class ModelOptionsTests
{
    [Theory]
    [InlineData("suicide", "0.9=severe", "Model:Bands:suicide: 'severe' in '0.9=severe' is not a severity")]
    [InlineData("suicide", "1.2=high", "Model:Bands:suicide: '1.2=high' must be SCORE=SEVERITY")]
    [InlineData("gardening", "0.9=high", "Model:Bands:gardening: the model has no category 'gardening'")]
    public void Validate_BadBand_NamesTheKeyAndTheValue(string category, string bands, string expected)
    {
        var options = new ModelOptions { Bands = { [category] = bands } };

        var result = new ModelOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void PolicyFor_SchoolOverride_ReplacesOnlyThatSchoolsBand()
    {
        var options = new ModelOptions { Schools = { ["oakfield"] = new SchoolModelOptions { Bands = { ["bullying"] = "0.6=high" } } } };

        Assert.Equal(Severity.High, options.PolicyFor("oakfield").SeverityFor("bullying", 0.7f));
        Assert.Null(options.PolicyFor("riverside").SeverityFor("bullying", 0.7f));
    }
}

public sealed class ModelPipelineTests
{
    private const string ModelOnlyText = "i have written my goodbye letters, i have no reason to stay anymore and nothing will ever get better";

    [Fact]
    public async Task Process_TextOnlyTheModelFlags_StoresModelOnlyAlertWithReason()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Detection:ReloadInterval"] = "01:00:00" });
        var worker = host.App.Services.GetServices<IHostedService>().OfType<AlertPipeline.Detection.DetectionWorker>().Single();
        var e = Some.Event(ModelOnlyText);

        worker.Process([new ConsumedEvent(new EventPosition(0, 1), e["eventId"]!.GetValue<string>(), Encoding.UTF8.GetBytes(e.ToJsonString()), DateTimeOffset.UtcNow)]);

        var alert = Assert.Single(host.Alerts.List(new()), a => a.Rule == AlertFactory.ModelRule);
        Assert.Contains("suicide", alert.Categories);
        Assert.All(alert.Matches, m => Assert.StartsWith("model/", m.Rule, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Process_ModelDisabled_NoModelAlert()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["Detection:ReloadInterval"] = "01:00:00", ["Model:Enabled"] = "false" });
        var worker = host.App.Services.GetServices<IHostedService>().OfType<AlertPipeline.Detection.DetectionWorker>().Single();
        var e = Some.Event(ModelOnlyText);

        worker.Process([new ConsumedEvent(new EventPosition(0, 1), e["eventId"]!.GetValue<string>(), Encoding.UTF8.GetBytes(e.ToJsonString()), DateTimeOffset.UtcNow)]);

        Assert.DoesNotContain(host.Alerts.List(new()), a => a.Rule == AlertFactory.ModelRule);
    }

    [Fact]
    public async Task Scan_TextOnlyTheModelFlags_JsonSaysModelOnlyWithScoresAndReason()
    {
        var (code, output, _) = await CliTests.RunAsync(["scan"], "see you tomorrow\n" + ModelOnlyText + "\n");

        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.False(lines[0]["modelOnly"]!.GetValue<bool>());
        Assert.NotNull(lines[0]["model"]!["suicide"]);
        Assert.True(lines[1]["modelOnly"]!.GetValue<bool>());
        Assert.True(lines[1]["flagged"]!.GetValue<bool>());
        Assert.StartsWith("model-only", lines[1]["explanation"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeywordsTest_TextOnlyTheModelFlags_ShowsScoresAndModelAlert()
    {
        var (code, output, _) = await CliTests.RunAsync(["keywords", "test", ModelOnlyText]);

        Assert.Equal(0, code);
        Assert.Contains("model:       suicide 0.", output, StringComparison.Ordinal);
        Assert.Contains("model alert: MODEL-ONLY", output, StringComparison.Ordinal);
    }
}
