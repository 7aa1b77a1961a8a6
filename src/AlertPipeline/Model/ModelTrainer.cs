using System.Diagnostics;
using System.Globalization;
using AlertPipeline.Detection.Model;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace AlertPipeline.Model;

/// <summary>How to train: feature space size, regularisation and the seed (same data + seed = same model).</summary>
internal sealed record TrainingSettings(int BucketBits = 18, float L2 = 0.1f, float L1 = 0f, int Iterations = 300, int Seed = 13);

/// <summary>A trained model and what training measured: time, and how far the core's scoring is from ML.NET's own.</summary>
internal sealed record TrainingResult(RiskModel Model, TimeSpan Elapsed, float MaxParityError, IReadOnlyList<string> Log);

/// <summary>
/// Trains one L-BFGS logistic regression per category with ML.NET (the optimiser; nothing hand-written), on the core's
/// own <see cref="TextFeaturizer"/> features, and copies the weights and calibration into a <see cref="RiskModel"/>.
/// One thread and a fixed seed, so that the same data and seed give the same weights.
/// </summary>
internal static class ModelTrainer
{
    private sealed class Row
    {
        public bool Label { get; set; }

        public float Weight { get; set; }

        public VBuffer<float> Features { get; set; }
    }

    private sealed class Scored
    {
        public float Probability { get; set; }
    }

    public static TrainingResult Train(IReadOnlyList<LabelledText> texts, TrainingSettings settings, string description)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var clock = Stopwatch.StartNew();
        var log = new List<string>();
        var featurizer = new TextFeaturizer(settings.BucketBits);
        var features = Featurize(texts, featurizer);
        var heads = TrainingCorpus.Heads;
        var buckets = featurizer.Buckets;
        var weights = new float[buckets * heads.Length];
        float[] bias = new float[heads.Length], slope = new float[heads.Length], offset = new float[heads.Length];
        var ml = new MLContext(settings.Seed);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, buckets);
        var parityError = 0f;
        var checks = new List<(int Head, int Text, float Expected)>();
        for (var h = 0; h < heads.Length; h++)
        {
            var rows = new List<Row>();
            int positives = 0, negatives = 0;
            for (var i = 0; i < texts.Count; i++)
            {
                var label = texts[i].Labels[h];
                if (label < 0)
                {
                    continue;
                }

                positives += label;
                negatives += 1 - label;
                rows.Add(new Row { Label = label == 1, Weight = 1f, Features = features[i] });
            }

            if (positives == 0 || negatives == 0)
            {
                // A cross-source fold that leaves out the only source of a category: that head cannot be learned, so it
                // scores ~0 and the fold's report says so, rather than failing the other categories' figures.
                bias[h] = -20f;
                slope[h] = 1f;
                log.Add($"{heads[h],-20} not trained: {positives} concerning and {negatives} other texts (both are needed)");
                continue;
            }

            // Rare categories (110 threats among 11,000 comments) would be drowned by the negatives; weighting the
            // positives up by the square root of the imbalance keeps them heard without calling every text a threat.
            var positiveWeight = (float)Math.Sqrt(Math.Max(1.0, (double)negatives / positives));
            foreach (var row in rows.Where(r => r.Label))
            {
                row.Weight = positiveWeight;
            }

            var data = ml.Data.LoadFromEnumerable(rows, schema);
            // L-BFGS rather than SDCA: SDCA stops at a 10 % duality gap by default and left the weights far short of
            // the optimum on these unit-length sparse vectors (suicide recall 0.18 at 0.5 on held-out posts).
            var trainer = ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
            {
                LabelColumnName = nameof(Row.Label),
                FeatureColumnName = nameof(Row.Features),
                ExampleWeightColumnName = nameof(Row.Weight),
                L2Regularization = settings.L2,
                L1Regularization = settings.L1,
                MaximumNumberOfIterations = settings.Iterations,
                OptimizationTolerance = 1e-6f,
                HistorySize = 20,
                NumberOfThreads = 1,
            });
            var fitted = trainer.Fit(data);
            var parameters = fitted.Model;
            var linear = parameters.SubModel;
            var w = linear.Weights;
            for (var b = 0; b < buckets; b++)
            {
                weights[(b * heads.Length) + h] = w[b];
            }

            bias[h] = linear.Bias;

            // Read the calibrator through its public contract: it is a sigmoid of an affine function of the score, so
            // two points fix slope and offset whatever sign convention it keeps inside.
            var calibrator = parameters.Calibrator;
            var at0 = Logit(calibrator.PredictProbability(0f));
            var at1 = Logit(calibrator.PredictProbability(1f));
            slope[h] = at1 - at0;
            offset[h] = at0;

            // Keep a few of ML.NET's own probabilities to check the core scores the same after copying and rounding.
            var sample = ml.Data.CreateEnumerable<Scored>(fitted.Transform(ml.Data.TakeRows(data, 200)), reuseRowObject: false).ToList();
            var rowIndex = 0;
            for (var i = 0; i < texts.Count && rowIndex < sample.Count; i++)
            {
                if (texts[i].Labels[h] >= 0)
                {
                    checks.Add((h, i, sample[rowIndex++].Probability));
                }
            }

            log.Add(string.Create(CultureInfo.InvariantCulture,
                $"{heads[h],-20} {positives,6} concerning / {negatives,6} other, positive weight {positiveWeight:0.00}, {w.Count(x => x != 0f),7} non-zero weights, {clock.Elapsed.TotalSeconds,6:0.0} s"));
        }

        var model = RoundTrip(new RiskModel(settings.BucketBits, heads, weights, bias, slope, offset, description));
        Span<float> scores = stackalloc float[heads.Length];
        foreach (var (head, text, expected) in checks)
        {
            model.Score(texts[text].Text, scores);
            parityError = Math.Max(parityError, Math.Abs(scores[head] - expected));
        }

        return new TrainingResult(model, clock.Elapsed, parityError, log);
    }

    /// <summary>What ships is what was measured: the model as read back from its half-float artefact.</summary>
    private static RiskModel RoundTrip(RiskModel model)
    {
        using var buffer = new MemoryStream();
        model.Write(buffer);
        buffer.Position = 0;
        return RiskModel.Read(buffer);
    }

    private static float Logit(float p)
    {
        var q = Math.Clamp(p, 1e-7f, 1 - 1e-7f);
        return MathF.Log(q / (1 - q));
    }

    private static VBuffer<float>[] Featurize(IReadOnlyList<LabelledText> texts, TextFeaturizer featurizer)
    {
        var result = new VBuffer<float>[texts.Count];
        var buckets = new List<int>();
        var counts = new SortedDictionary<int, float>();
        for (var i = 0; i < texts.Count; i++)
        {
            var value = featurizer.Featurize(texts[i].Text, buckets);
            counts.Clear();
            foreach (var b in buckets)
            {
                counts[b] = counts.GetValueOrDefault(b) + value;
            }

            result[i] = new VBuffer<float>(featurizer.Buckets, counts.Count, [.. counts.Values], [.. counts.Keys]);
        }

        return result;
    }
}
