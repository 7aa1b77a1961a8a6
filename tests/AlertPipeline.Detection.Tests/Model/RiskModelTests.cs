using AlertPipeline.Detection.Model;
using AlertPipeline.Detection.Tests.Support;

namespace AlertPipeline.Detection.Tests.Model;

public sealed class RiskModelTests
{
    /// <summary>
    /// A tiny hand-made model: "hopeless" and the pair "without me" push suicide up, "idiot" pushes bullying up.
    /// Weights are set on the features the featuriser emits for those words, so the test knows what must happen.
    /// </summary>
    internal static RiskModel TinyModel()
    {
        const int bits = 16;
        var featurizer = new TextFeaturizer(bits);
        string[] categories = ["suicide", "bullying"];
        var weights = new float[featurizer.Buckets * categories.Length];
        void Push(int bucket, int head, float w) => weights[(bucket * categories.Length) + head] += w;
        Push(featurizer.UnigramBucket("hopeless"), 0, 80f);
        Push(featurizer.BigramBucket("without", "me"), 0, 80f);
        Push(featurizer.UnigramBucket("idiot"), 1, 80f);
        return new RiskModel(bits, categories, weights, [-6f, -6f], [1f, 1f], [0f, 0f], "tiny test model");
    }

    private static float[] Scores(RiskModel model, string text)
    {
        var scores = new float[model.Categories.Count];
        model.Score(text, scores);
        return scores;
    }

    [Fact]
    public void Score_WordWithWeight_RaisesOnlyItsCategory()
    {
        var model = TinyModel();

        var hopeless = Scores(model, "I feel so hopeless");
        var ordinary = Scores(model, "I feel so tired after football");

        Assert.True(hopeless[0] > 0.9f, $"suicide {hopeless[0]}");
        Assert.True(hopeless[1] < 0.01f, $"bullying {hopeless[1]}");
        Assert.True(ordinary[0] < 0.01f, $"suicide {ordinary[0]}");
    }

    [Fact]
    public void Score_CaseAndApostrophes_ReadAsTheSameWords()
    {
        var model = TinyModel();

        Assert.Equal(Scores(model, "they'd be better WITHOUT ME"), Scores(model, "theyd be better without me"));
    }

    [Fact]
    public void WriteRead_RoundTrip_ScoresTheSame()
    {
        var model = TinyModel();
        using var buffer = new MemoryStream();
        model.Write(buffer);
        buffer.Position = 0;

        var read = RiskModel.Read(buffer);

        Assert.Equal(model.Categories, read.Categories);
        Assert.Equal("tiny test model", read.Description);
        Assert.Equal(Scores(model, "so hopeless, they are better without me"), Scores(read, "so hopeless, they are better without me"));
    }

    [Fact]
    public void Read_TruncatedArtefact_ThrowsNamingTheProblem()
    {
        using var buffer = new MemoryStream();
        TinyModel().Write(buffer);
        using var truncated = new MemoryStream(buffer.ToArray()[..40]);

        var ex = Assert.Throws<InvalidDataException>(() => RiskModel.Read(truncated));

        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ForeignFile_ThrowsNamingTheProblem()
    {
        using var foreign = new MemoryStream("term,match,severity\n"u8.ToArray());

        var ex = Assert.Throws<InvalidDataException>(() => RiskModel.Read(foreign));

        Assert.Contains("not a risk model artefact", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StrongestPhrases_WeightedPair_ReturnsItWithItsOffsets()
    {
        const string text = "honestly everyone is better without me";

        var phrase = TinyModel().StrongestPhrases(text, "suicide")[0];

        Assert.Equal("without me", phrase.Text);
        Assert.Equal(text.IndexOf("without me", StringComparison.Ordinal), phrase.Start);
        Assert.Equal("without me".Length, phrase.Length);
    }

    [Fact]
    public void Featurize_LongText_StopsAtMaxWords()
    {
        var featurizer = new TextFeaturizer(12);
        var buckets = new List<int>();
        var words = new List<(int, int)>();

        featurizer.Featurize(string.Join(' ', Enumerable.Repeat("word", TextFeaturizer.MaxWords + 50)), buckets, words);

        Assert.Equal(TextFeaturizer.MaxWords, words.Count);
    }

    [Fact]
    public void Featurize_NoWords_ReturnsNoFeatures()
    {
        var featurizer = new TextFeaturizer(12);
        var buckets = new List<int>();

        var value = featurizer.Featurize("!!! ... ???", buckets);

        Assert.Empty(buckets);
        Assert.Equal(0f, value);
    }
}

public sealed class ModelJudgeTests
{
    private static ModelJudge Judge(IEnumerable<string>? raiseRules = null) => new(RiskModelTests.TinyModel(), new ModelPolicy(
        new Dictionary<string, IReadOnlyList<ModelBand>>
        {
            ["suicide"] = [new ModelBand(0.9f, Severity.Urgent), new ModelBand(0.5f, Severity.Medium)],
            ["bullying"] = [new ModelBand(0.9f, Severity.Medium)],
        },
        raiseRules));

    [Fact]
    public void TryJudge_NoRuleAndScoreInBand_AddsModelOnlyResultWithReason()
    {
        var found = Judge().TryJudge("everyone would be better without me", null, out var verdict);

        Assert.True(found);
        Assert.Null(verdict.Rules);
        var modelOnly = Assert.IsType<DetectionResult>(verdict.ModelOnly);
        Assert.True(modelOnly.ModelOnly);
        Assert.Equal(Severity.Urgent, modelOnly.Severity);
        Assert.Equal(["suicide"], modelOnly.Categories);
        Assert.StartsWith("model-only", modelOnly.Explanation, StringComparison.Ordinal);
        Assert.Matches(@"model: suicide (0|1)\.\d\d", modelOnly.Explanation);
        Assert.Contains("strongest phrases: 'without me'", modelOnly.Explanation, StringComparison.Ordinal);
        var match = Assert.Single(modelOnly.Matches);
        Assert.Equal("model/suicide", match.Rule);
        Assert.Contains("[without me]", modelOnly.Snippet, StringComparison.Ordinal);
    }

    [Fact]
    public void TryJudge_OrdinaryText_ReturnsFalse()
    {
        Assert.False(Judge().TryJudge("what time is the maths test tomorrow", null, out _));
    }

    [Fact]
    public void TryJudge_RuleAlreadyCaughtCategory_KeepsRuleResultAndAddsNothing()
    {
        var rules = Some.WordDetector("suicide", Severity.High, "hopeless").Scan("i am hopeless", SourceKinds.Any);

        Judge().TryJudge("i am hopeless", rules, out var verdict);

        Assert.Null(verdict.ModelOnly);
        Assert.Equal(Severity.High, verdict.Rules!.Severity);
        Assert.Equal(rules.Explanation, verdict.Rules.Explanation);
        Assert.NotEmpty(verdict.Rules.ModelScores);
    }

    [Fact]
    public void TryJudge_RaiseRulesConfigured_RaisesRuleSeverityAndSaysWhy()
    {
        var rules = Some.WordDetector("suicide", Severity.High, "hopeless").Scan("i am hopeless", SourceKinds.Any);

        Judge(raiseRules: ["suicide"]).TryJudge("i am hopeless", rules, out var verdict);

        Assert.Equal(Severity.Urgent, verdict.Rules!.Severity);
        Assert.Contains("raised to urgent by model: suicide", verdict.Rules.Explanation, StringComparison.Ordinal);
        Assert.Equal("model/suicide", verdict.Rules.SeverityRule);
    }

    [Fact]
    public void TryJudge_RuleInOtherCategory_AddsModelOnlyForTheMissedCategory()
    {
        var rules = Some.WordDetector("offensive-language", Severity.Low, "rubbish").Scan("you idiot, rubbish", SourceKinds.Any);

        Judge().TryJudge("you idiot, rubbish", rules, out var verdict);

        Assert.Equal(["offensive-language"], verdict.Rules!.Categories);
        Assert.Equal(["bullying"], verdict.ModelOnly!.Categories);
        Assert.Equal(Severity.Medium, verdict.ModelOnly.Severity);
    }

    [Fact]
    public void ModelPolicy_BandAboveOne_ThrowsNamingCategoryAndScore()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ModelPolicy(new Dictionary<string, IReadOnlyList<ModelBand>>
        {
            ["suicide"] = [new ModelBand(1.5f, Severity.High)],
        }));

        Assert.Contains("'suicide'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1.5", ex.Message, StringComparison.Ordinal);
    }
}
