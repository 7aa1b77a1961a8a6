namespace AlertPipeline.Detection.Evaluation;

/// <summary>One labelled text and what the detector said about it. Empty category sets mean "benign" / "not flagged".</summary>
public sealed record EvaluatedItem(string Id, IReadOnlySet<string> Expected, IReadOnlySet<string> Predicted);

/// <summary>
/// Counts for one category (or for "flagged at all"). Precision, recall and F1 are null when undefined
/// (nothing predicted, nothing expected), rather than a made-up 0 or 1.
/// </summary>
public sealed record ClassMetrics(string Name, int TruePositives, int FalsePositives, int FalseNegatives)
{
    public double? Precision => TruePositives + FalsePositives == 0 ? null : (double)TruePositives / (TruePositives + FalsePositives);

    public double? Recall => TruePositives + FalseNegatives == 0 ? null : (double)TruePositives / (TruePositives + FalseNegatives);

    public double? F1 => Precision is { } p && Recall is { } r ? (p + r == 0 ? 0 : 2 * p * r / (p + r)) : null;
}

/// <summary>
/// <see cref="Flagged"/>: flagged vs not, per item. <see cref="PerCategory"/>: one-vs-rest per category.
/// <see cref="Micro"/>: all category decisions pooled. <see cref="MacroF1"/>: mean F1 over categories where defined.
/// </summary>
public sealed record EvaluationReport(
    int Items,
    ClassMetrics Flagged,
    IReadOnlyList<ClassMetrics> PerCategory,
    ClassMetrics Micro,
    double? MacroF1,
    IReadOnlyList<EvaluatedItem> Misses,
    IReadOnlyList<EvaluatedItem> FalseAlarms);

/// <summary>Precision / recall / F1 of detector output against labelled items. Pure: the host loads the labels.</summary>
public static class DetectionEvaluation
{
    public static EvaluationReport Evaluate(IEnumerable<EvaluatedItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var list = items.ToList();
        int tp = 0, fp = 0, fn = 0;
        var counts = new SortedDictionary<string, (int Tp, int Fp, int Fn)>(StringComparer.Ordinal);
        foreach (var item in list)
        {
            var expected = item.Expected.Count > 0;
            var predicted = item.Predicted.Count > 0;
            tp += expected && predicted ? 1 : 0;
            fp += !expected && predicted ? 1 : 0;
            fn += expected && !predicted ? 1 : 0;
            foreach (var category in item.Expected.Union(item.Predicted))
            {
                var c = counts.GetValueOrDefault(category);
                var e = item.Expected.Contains(category);
                var p = item.Predicted.Contains(category);
                counts[category] = (c.Tp + (e && p ? 1 : 0), c.Fp + (!e && p ? 1 : 0), c.Fn + (e && !p ? 1 : 0));
            }
        }

        var perCategory = counts.Select(kv => new ClassMetrics(kv.Key, kv.Value.Tp, kv.Value.Fp, kv.Value.Fn)).ToList();
        var micro = new ClassMetrics("micro", perCategory.Sum(c => c.TruePositives), perCategory.Sum(c => c.FalsePositives),
            perCategory.Sum(c => c.FalseNegatives));
        var f1s = perCategory.Where(c => c.F1.HasValue).Select(c => c.F1!.Value).ToList();
        return new EvaluationReport(
            list.Count,
            new ClassMetrics("flagged", tp, fp, fn),
            perCategory,
            micro,
            f1s.Count == 0 ? null : f1s.Average(),
            [.. list.Where(i => i.Expected.Count > 0 && i.Predicted.Count == 0)],
            [.. list.Where(i => i.Expected.Count == 0 && i.Predicted.Count > 0)]);
    }
}
