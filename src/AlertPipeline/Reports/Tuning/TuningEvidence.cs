using AlertPipeline.Detection.Lists;
using AlertPipeline.Triage;

namespace AlertPipeline.Reports.Tuning;

/// <summary>One rule's record over a period: alerts it took part in, and how the DSL closed them.</summary>
internal sealed record RuleEvidence(string Rule, string Category, long Alerts, long Confirmed, long FalsePositives, long Closed)
{
    /// <summary>Confirmed concerns and referrals over alerts closed; null while none is closed.</summary>
    public double? Precision => Closed == 0 ? null : (double)Confirmed / Closed;
}

/// <summary>What IT needs to tune the lists: per rule, the rules that never fired, and categories with few entries.</summary>
internal sealed record TuningData(IReadOnlyList<RuleEvidence> Rules, IReadOnlyList<KeywordEntry> NeverFired, IReadOnlyList<(string Category, int Entries)> Thin, int Entries);

/// <summary>
/// The tuning evidence, computed once for the annual review pack (which protects its small numbers) and the IT
/// console page (<c>/it/tuning</c>, exact counts: IT see counts, never a pupil). Pure: alerts and list entries in.
/// </summary>
internal static class TuningEvidence
{
    /// <summary>A category with fewer list entries than this is flagged as thin coverage.</summary>
    public const int ThinCoverage = 10;

    /// <param name="alerts">Per alert, the rules (list entry ids, or "model") that matched and the DSL's outcome, if closed.</param>
    public static TuningData Compute(IReadOnlyList<(IReadOnlyList<string> Rules, string? Outcome)> alerts, IReadOnlyList<KeywordEntry> entries)
    {
        static bool Confirmed(string? o) => o is TriageOutcomes.ConcernConfirmed or TriageOutcomes.Referred;
        var rules = alerts.SelectMany(a => a.Rules.Distinct(StringComparer.Ordinal).Select(r => (Rule: r, a.Outcome)))
            .GroupBy(x => x.Rule, StringComparer.Ordinal)
            .Select(g => new RuleEvidence(g.Key, CategoryOf(g.Key), g.LongCount(), g.LongCount(x => Confirmed(x.Outcome)),
                g.LongCount(x => x.Outcome == TriageOutcomes.FalsePositive), g.LongCount(x => x.Outcome is not null)))
            .OrderByDescending(r => r.Alerts).ThenBy(r => r.Rule, StringComparer.Ordinal)
            .ToList();
        var fired = rules.Select(r => r.Rule).ToHashSet(StringComparer.Ordinal);
        var never = entries.Where(e => !fired.Contains(e.Id)).ToList();
        var thin = entries.GroupBy(e => e.Category, StringComparer.Ordinal).Where(g => g.Count() < ThinCoverage)
            .OrderBy(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, g.Count())).ToList();
        return new TuningData(rules, never, thin, entries.Count);
    }

    /// <summary>"suicide/kill myself" → "suicide"; the model's own rule has no list category.</summary>
    public static string CategoryOf(string rule) => rule.IndexOf('/', StringComparison.Ordinal) is > 0 and var slash ? rule[..slash] : rule;
}
