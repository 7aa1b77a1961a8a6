using System.Globalization;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Model;

namespace AlertPipeline.Model;

/// <summary>
/// <c>alertpipeline eval --cross-source</c>: rules only, model only and combined, per category, on every labelled file,
/// measured only on text the model did not learn from:
/// <list type="bullet">
/// <item>held-out: the shipped artefact (trained without the held-out fifth of each risk source, the ordinary files'
/// own dev/test splits and Davidson) on exactly those texts;</item>
/// <item>cross-source: for each risk source, a model trained on all the others (same recipe), on the whole left-out
/// source. A category only that source labels cannot be learned then; the report says so and the held-out figure is
/// the only one for it.</item>
/// </list>
/// False alarms per 1,000 texts on the ordinary files' held-out parts, at medium or above and at urgent or above.
/// </summary>
internal static class CrossSourceEvaluation
{
    private static readonly string[] RiskSources = [TrainingCorpus.SuicideSource, TrainingCorpus.JigsawSource, TrainingCorpus.BullyingSource];

    public static void Run(string training, string? davidson, Detector detector, RiskModel shipped, ModelPolicy policy, bool crossSource, bool sweep, TextWriter output)
    {
        var corpus = TrainingCorpus.Load(training, davidson);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{corpus.Count} labelled texts; lists {detector.Version} ({detector.Set.Entries.Count} entries); model: {shipped.Description}"));
        var rules = corpus.Select(t => detector.Scan(t.Text, SourceKinds.Any)).Select(r => (Categories: RuleCategories(r), r.Severity)).ToArray();

        output.WriteLine();
        output.WriteLine("## Held out (shipped model; texts it was not trained on)");
        var heldOut = Enumerable.Range(0, corpus.Count).Where(i => corpus[i].HeldOut || corpus[i].Source == TrainingCorpus.DavidsonSource).ToList();
        var scores = Score(shipped, corpus, heldOut);
        foreach (var source in RiskSources.Append(TrainingCorpus.DavidsonSource))
        {
            var rows = heldOut.Where(i => corpus[i].Source == source).ToList();
            if (rows.Count > 0)
            {
                var label = source == TrainingCorpus.DavidsonSource ? "whole file, never trained on" : "held-out fifth";
                Table(output, $"{source} ({label}, {rows.Count} texts)", corpus, rows, rules, scores, shipped, policy);
                if (sweep)
                {
                    Sweep(output, corpus, rows, scores, shipped);
                }
            }
        }

        FalseAlarms(output, corpus, heldOut, rules, scores, shipped, policy, "any source: every entry applies, the worst case");

        // The same texts scanned as what they are: a search query is a search, a homework question or a post is typed.
        // Entries and combinations scoped to searches (ADR 0016: a topic searched for is sought) apply only to searches.
        var asTyped = rules.ToArray();
        foreach (var i in heldOut.Where(i => Array.IndexOf(TrainingCorpus.OrdinarySources, corpus[i].Source) >= 0))
        {
            var r = detector.Scan(corpus[i].Text, OrdinarySource(corpus[i].Source));
            asTyped[i] = (RuleCategories(r), r.Severity);
        }

        FalseAlarms(output, corpus, heldOut, asTyped, scores, shipped, policy, "as each text arrives: search queries as searches, homework and posts as typed");
        IdentityProbe(output, shipped, policy);
        if (sweep)
        {
            SweepOrdinary(output, corpus, heldOut, scores, shipped);
        }

        if (!crossSource)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("## Cross-source (a model trained on every other source, tested on the whole left-out source)");
        foreach (var source in RiskSources)
        {
            var train = corpus.Where(t => !t.HeldOut && t.Source != source && t.Source != TrainingCorpus.DavidsonSource).ToList();
            var fold = ModelTrainer.Train(train, new TrainingSettings(), $"cross-source fold without {source}");
            var rows = Enumerable.Range(0, corpus.Count).Where(i => corpus[i].Source == source).ToList();
            var foldScores = Score(fold.Model, corpus, rows);
            var untrained = TrainingCorpus.Heads.Where(h => fold.Log.Any(l => l.StartsWith(h + " ", StringComparison.Ordinal) && l.Contains("not trained", StringComparison.Ordinal))).ToList();
            Table(output, $"{source} (left out; model trained on {train.Count} texts of the other sources"
                + (untrained.Count > 0 ? $"; no other source labels {string.Join(", ", untrained)}, so the model cannot learn it here" : string.Empty) + ")",
                corpus, rows, rules, foldScores, fold.Model, policy);
        }
    }

    private static float[][] Score(RiskModel model, List<LabelledText> corpus, List<int> rows)
    {
        var result = new float[corpus.Count][];
        foreach (var i in rows)
        {
            result[i] = new float[model.Categories.Count];
            model.Score(corpus[i].Text, result[i]);
        }

        return result;
    }

    // The lists split hate into hate-speech (slurs, dehumanising) and discrimination (unfair treatment); the labelled
    // data has one hate class, so both count as hate-speech here.
    private static HashSet<string> RuleCategories(DetectionResult r) =>
        [.. r.Categories.Select(c => c == "discrimination" ? "hate-speech" : c)];

    private static void Table(TextWriter output, string title, List<LabelledText> corpus, List<int> rows,
        (HashSet<string> Categories, Severity? Severity)[] rules, float[][] scores, RiskModel model, ModelPolicy policy)
    {
        output.WriteLine();
        output.WriteLine("### " + title);
        output.WriteLine("```");
        output.WriteLine($"{"category",-19} {"texts",6} {"pos",5} | {"rules P",7} {"R",5} {"F1",5} | {"model P",7} {"R",5} {"F1",5} | {"comb. P",7} {"R",5} {"F1",5} {"P 95% CI",13} {"R 95% CI",13}");
        for (var h = 0; h < TrainingCorpus.Heads.Length; h++)
        {
            var category = TrainingCorpus.Heads[h];
            var known = rows.Where(i => corpus[i].Labels[h] >= 0).ToList();
            var positives = known.Count(i => corpus[i].Labels[h] == 1);
            if (positives == 0)
            {
                continue;
            }

            var m = model.IndexOf(category);
            bool Rule(int i) => rules[i].Categories.Contains(category);
            bool Model(int i) => m >= 0 && policy.SeverityFor(category, scores[i][m]) is not null;
            var r = Count(corpus, known, h, Rule);
            var md = Count(corpus, known, h, Model);
            var c = Count(corpus, known, h, i => Rule(i) || Model(i));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{category,-19} {known.Count,6} {positives,5} | {r.P,7} {r.R,5} {r.F1,5} | {md.P,7} {md.R,5} {md.F1,5} | {c.P,7} {c.R,5} {c.F1,5} {c.PCi,13} {c.RCi,13}"));
        }

        output.WriteLine("```");
    }

    private sealed record Figures(string P, string R, string F1, string PCi, string RCi);

    private static Figures Count(List<LabelledText> corpus, List<int> rows, int head, Func<int, bool> predicted)
    {
        int tp = 0, fp = 0, fn = 0;
        foreach (var i in rows)
        {
            var expected = corpus[i].Labels[head] == 1;
            var got = predicted(i);
            tp += expected && got ? 1 : 0;
            fp += !expected && got ? 1 : 0;
            fn += expected && !got ? 1 : 0;
        }

        double? p = tp + fp == 0 ? null : (double)tp / (tp + fp);
        double? r = tp + fn == 0 ? null : (double)tp / (tp + fn);
        double? f = p is { } pp && r is { } rr ? (pp + rr == 0 ? 0 : 2 * pp * rr / (pp + rr)) : null;
        return new Figures(F(p), F(r), F(f), Wilson(tp, tp + fp), Wilson(tp, tp + fn));
    }

    /// <summary>The Wilson score interval (95 %) of a proportion: honest at small counts, unlike p ± 1.96·SE.</summary>
    internal static (double Low, double High) WilsonInterval(int successes, int trials)
    {
        if (trials == 0)
        {
            return (double.NaN, double.NaN);
        }

        const double z = 1.96;
        var p = (double)successes / trials;
        var denominator = 1 + (z * z / trials);
        var centre = (p + (z * z / (2 * trials))) / denominator;
        var half = z * Math.Sqrt((p * (1 - p) / trials) + (z * z / (4.0 * trials * trials))) / denominator;
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    private static string Wilson(int successes, int trials)
    {
        if (trials == 0)
        {
            return "n/a";
        }

        var (low, high) = WilsonInterval(successes, trials);
        return string.Create(CultureInfo.InvariantCulture, $"{low:0.00}-{high:0.00}");
    }

    private static string F(double? v) => v is { } x ? x.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>Where an ordinary file's texts come from on a pupil's device.</summary>
    internal static SourceKinds OrdinarySource(string source) =>
        source == "search_queries_nq" ? SourceKinds.Search : SourceKinds.Typed;

    private static void FalseAlarms(TextWriter output, List<LabelledText> corpus, List<int> heldOut,
        (HashSet<string> Categories, Severity? Severity)[] rules, float[][] scores, RiskModel model, ModelPolicy policy, string how)
    {
        output.WriteLine();
        output.WriteLine($"### False alarms per 1,000 ordinary texts ({how}; held-out parts: GoEmotions dev+test, GSM8K test, EfficientQA dev+test)");
        output.WriteLine("```");
        output.WriteLine($"{"file",-28} {"texts",6} | {"medium+ rules",13} {"model",6} {"comb.",6} | {"urgent+ rules",13} {"model",6} {"comb.",6}");
        foreach (var source in TrainingCorpus.OrdinarySources)
        {
            var rows = heldOut.Where(i => corpus[i].Source == source).ToList();
            Severity? ModelSeverity(int i) => model.Categories.Select((c, h) => policy.SeverityFor(c, scores[i][h])).Max();
            double Per1000(Func<int, bool> alarm) => rows.Count == 0 ? 0 : 1000.0 * rows.Count(alarm) / rows.Count;
            string Row(Severity min) => string.Create(CultureInfo.InvariantCulture,
                $"{Per1000(i => rules[i].Severity >= min),13:0.00} {Per1000(i => ModelSeverity(i) >= min),6:0.00} {Per1000(i => rules[i].Severity >= min || ModelSeverity(i) >= min),6:0.00}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{source,-28} {rows.Count,6} | {Row(Severity.Medium)} | {Row(Severity.Urgent)}"));
        }

        output.WriteLine("```");
    }

    private static readonly string[] Identities = ["gay", "lesbian", "trans", "muslim", "jewish", "christian", "black", "white", "asian", "disabled", "polish", "british"];

    private static readonly string[] Templates =
    [
        "my friend is {0}", "i am {0}", "we learned about {0} history in class today", "there are lots of {0} people at my school",
        "my neighbour is {0} and really kind", "is it ok to be {0}", "{0} people were at the festival", "our teacher is {0}",
    ];

    /// <summary>
    /// Neutral sentences that only mention an identity: any model alert on them is a false alarm, and a higher mean
    /// hate/bullying score for one group than for another is the bias the card must state.
    /// </summary>
    private static void IdentityProbe(TextWriter output, RiskModel model, ModelPolicy policy)
    {
        output.WriteLine();
        output.WriteLine($"### Identity-term probe ({Templates.Length} neutral templates × {Identities.Length} identities; mean score per category, model-only alerts)");
        output.WriteLine("```");
        output.WriteLine($"{"identity",-10} " + string.Join(" ", model.Categories.Select(c => $"{c,18}")) + "   alerts");
        var scores = new float[model.Categories.Count];
        foreach (var identity in Identities)
        {
            var sums = new double[model.Categories.Count];
            var alerts = 0;
            foreach (var template in Templates)
            {
                var text = string.Format(CultureInfo.InvariantCulture, template, identity);
                model.Score(text, scores);
                for (var h = 0; h < scores.Length; h++)
                {
                    sums[h] += scores[h];
                }

                alerts += model.Categories.Where((c, h) => policy.SeverityFor(c, scores[h]) is not null).Any() ? 1 : 0;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{identity,-10} {string.Join(" ", sums.Select(x => $"{x / Templates.Length,18:0.000}"))}   {alerts}/{Templates.Length}"));
        }

        output.WriteLine("```");
    }

    private static readonly float[] Thresholds = [0.5f, 0.6f, 0.7f, 0.8f, 0.85f, 0.9f, 0.95f, 0.97f, 0.99f];

    private static void Sweep(TextWriter output, List<LabelledText> corpus, List<int> rows, float[][] scores, RiskModel model)
    {
        output.WriteLine("```");
        foreach (var (category, h) in TrainingCorpus.Heads.Select((c, h) => (c, h)))
        {
            var known = rows.Where(i => corpus[i].Labels[h] >= 0).ToList();
            if (!known.Any(i => corpus[i].Labels[h] == 1))
            {
                continue;
            }

            var m = model.IndexOf(category);
            output.WriteLine($"  sweep {category}: " + string.Join("  ", Thresholds.Select(t =>
            {
                var f = Count(corpus, known, h, i => scores[i][m] >= t);
                return string.Create(CultureInfo.InvariantCulture, $"{t:0.00} P{f.P} R{f.R}");
            })));
        }

        output.WriteLine("```");
    }

    private static void SweepOrdinary(TextWriter output, List<LabelledText> corpus, List<int> heldOut, float[][] scores, RiskModel model)
    {
        output.WriteLine("```");
        foreach (var source in TrainingCorpus.OrdinarySources)
        {
            var rows = heldOut.Where(i => corpus[i].Source == source).ToList();
            foreach (var (category, m) in model.Categories.Select((c, m) => (c, m)))
            {
                output.WriteLine($"  sweep {source} {category} per 1000: " + string.Join("  ", Thresholds.Select(t =>
                    string.Create(CultureInfo.InvariantCulture, $"{t:0.00}:{1000.0 * rows.Count(i => scores[i][m] >= t) / Math.Max(1, rows.Count):0.0}"))));
            }
        }

        output.WriteLine("```");
    }
}
