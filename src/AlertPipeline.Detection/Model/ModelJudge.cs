using System.Globalization;
using System.Text;

namespace AlertPipeline.Detection.Model;

/// <summary>A category's model probability for one text.</summary>
public sealed record ModelScore(string Category, float Score);

/// <summary>
/// The rules' result (unchanged, or with its severity raised where the policy allows) and the alert the model adds
/// for categories no rule caught. Either may be null. <see cref="Scores"/> lists every head's probability.
/// </summary>
public sealed record ModelVerdict(DetectionResult? Rules, DetectionResult? ModelOnly, IReadOnlyList<ModelScore> Scores);

/// <summary>
/// Fuses the keyword rules with the risk model. Rules keep their categories, severity and explanation; the model adds
/// an alert for categories no rule flagged, at the severity the policy's score bands give, and (where the policy says)
/// raises a rule's severity in a category it scores higher. Every model decision carries its reason:
/// "model: suicide 0.93; strongest phrases: 'better off without me', …". Pure: text in, results out.
/// </summary>
public sealed class ModelJudge
{
    /// <summary>The rule id prefix of model matches ("model/suicide"); alerts built from them are model-only.</summary>
    public const string RulePrefix = "model/";

    private readonly RiskModel _model;
    private readonly ModelPolicy _policy;
    private readonly float _lowest;

    public ModelJudge(RiskModel model, ModelPolicy policy)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _lowest = policy.LowestBand;
    }

    public RiskModel Model => _model;

    public ModelPolicy Policy => _policy;

    /// <summary>
    /// Scores <paramref name="text"/> and fuses the scores with the rules' result (null when no rule fired).
    /// Allocates nothing when no rule fired and no score reaches a band: the common case on the hot path.
    /// </summary>
    public bool TryJudge(string text, DetectionResult? rules, out ModelVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(text);
        var heads = _model.Categories.Count;
        Span<float> scores = stackalloc float[heads];
        _model.Score(text, scores);
        var any = false;
        for (var h = 0; h < heads; h++)
        {
            any |= scores[h] >= _lowest;
        }

        if (!any && rules is null)
        {
            verdict = null!;
            return false;
        }

        verdict = Judge(text, rules, scores);
        return verdict.Rules is not null || verdict.ModelOnly is not null;
    }

    /// <summary>Scores and fuses; always returns a verdict (with every score), for <c>scan</c>, <c>keywords test</c> and eval.</summary>
    public ModelVerdict Judge(string text, DetectionResult? rules)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<float> scores = stackalloc float[_model.Categories.Count];
        _model.Score(text, scores);
        return Judge(text, rules, scores);
    }

    private ModelVerdict Judge(string text, DetectionResult? rules, ReadOnlySpan<float> scores)
    {
        var all = new ModelScore[scores.Length];
        for (var h = 0; h < scores.Length; h++)
        {
            all[h] = new ModelScore(_model.Categories[h], MathF.Round(scores[h], 3));
        }

        var ruleCategories = rules is { Flagged: true } ? rules.Categories : [];
        var added = new List<(string Category, float Score, Severity Severity)>();
        var raise = new List<(string Category, float Score, Severity Severity)>();
        for (var h = 0; h < scores.Length; h++)
        {
            var category = _model.Categories[h];
            if (_policy.SeverityFor(category, scores[h]) is not { } severity)
            {
                continue;
            }

            if (!ruleCategories.Contains(category))
            {
                added.Add((category, scores[h], severity));
            }
            else if (_policy.RaiseRules.Contains(category) && rules!.Severity < severity)
            {
                raise.Add((category, scores[h], severity));
            }
        }

        var fusedRules = rules is null ? null : rules with { ModelScores = all };
        if (raise.Count > 0 && fusedRules is not null)
        {
            var top = raise.MaxBy(r => r.Severity);
            fusedRules = fusedRules with
            {
                Severity = top.Severity,
                SeverityRule = RulePrefix + top.Category,
                Explanation = $"{rules!.Explanation}; raised to {top.Severity.ToName()} by {Reason(text, top.Category, top.Score)}",
            };
        }

        DetectionResult? modelOnly = null;
        if (added.Count > 0)
        {
            added.Sort((a, b) => b.Severity != a.Severity ? b.Severity.CompareTo(a.Severity) : b.Score.CompareTo(a.Score));
            var matches = new List<TermMatch>();
            var reasons = new List<string>();
            var spans = new List<(int Start, int Length)>();
            foreach (var (category, score, severity) in added)
            {
                var phrases = _model.StrongestPhrases(text, category);
                reasons.Add(Reason(category, score, phrases));
                foreach (var p in phrases)
                {
                    matches.Add(new TermMatch(RulePrefix + category, p.Text.ToLowerInvariant(), category, severity, p.Start, p.Length, p.Text)
                    {
                        NormalizedMatch = p.Text.ToLowerInvariant(),
                    });
                    spans.Add((p.Start, p.Length));
                }

                if (phrases.Count == 0)
                {
                    matches.Add(new TermMatch(RulePrefix + category, "(whole text)", category, severity, 0, 0, string.Empty));
                }
            }

            spans.Sort();
            modelOnly = new DetectionResult(true, added[0].Severity, [.. added.Select(a => a.Category)], matches, string.Empty)
            {
                SeverityRule = RulePrefix + added[0].Category,
                Snippet = Explanation.Snippet.Build(text, spans, new StringBuilder()),
                Explanation = "model-only (no keyword rule matched this category): " + string.Join("; ", reasons),
                ModelScores = all,
                ModelOnly = true,
            };
        }

        return new ModelVerdict(fusedRules, modelOnly, all);
    }

    private string Reason(string text, string category, float score) => Reason(category, score, _model.StrongestPhrases(text, category));

    private static string Reason(string category, float score, IReadOnlyList<ModelPhrase> phrases) =>
        string.Create(CultureInfo.InvariantCulture, $"model: {category} {score:0.00}")
        + (phrases.Count == 0 ? string.Empty : "; strongest phrases: " + string.Join(", ", phrases.Select(p => $"'{p.Text}'")));
}
