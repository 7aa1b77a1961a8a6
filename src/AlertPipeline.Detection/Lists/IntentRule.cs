using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AlertPipeline.Detection.Lists;

/// <summary>
/// One slot of an <see cref="IntentRule"/>: a word class (a group of groups.csv), already normalised. A prefix term
/// (<c>overdos*</c>) may continue to the end of its word.
/// </summary>
public sealed record IntentSlot(string Group, IReadOnlyList<string> Words, IReadOnlyList<string> Prefixes);

/// <summary>
/// A compositional rule (intents.csv): word classes in order, each filled by one term of its group, with at most
/// <see cref="Gap"/> other words between neighbours ("im going to" · "shoot" · "the school"). Compiled to a word-bounded
/// regex over the normalised text, so it takes part in the automaton's literal triggers and the quiet-text filter
/// like any list regex; <see cref="Explain"/> says which slot matched which words.
/// </summary>
public sealed record IntentRule(string Id, IReadOnlyList<IntentSlot> Slots, int Gap)
{
    /// <summary>The largest gap a rule may allow: wider windows join words from different clauses.</summary>
    public const int MaxGap = 6;

    /// <summary>The regex the matcher runs (normalised text: lower case, single spaces).</summary>
    public string Pattern { get; } = BuildPattern(Slots, Gap, named: false);

    /// <summary>The rule as a curator wrote it: <c>intent · harm-verb · school-target (gap 3)</c>.</summary>
    public string Display => string.Join(" · ", Slots.Select(s => s.Group)) + string.Create(CultureInfo.InvariantCulture, $" (gap {Gap})");

    /// <summary>
    /// Which words filled each slot in a matched span of normalised text, e.g. <c>intent='im going to', harm-verb='shoot',
    /// school-target='the school'</c>; empty when the span is not a match of this rule.
    /// </summary>
    public IReadOnlyList<SlotFill> Explain(string normalizedMatch)
    {
        ArgumentNullException.ThrowIfNull(normalizedMatch);

        Match match;
        try
        {
            match = _explainer.Value.Match(normalizedMatch);
        }
        catch (RegexMatchTimeoutException)
        {
            return []; // the alert stands; only the slot breakdown is missing
        }

        if (!match.Success)
        {
            return [];
        }

        return [.. Slots.Select((s, i) => new SlotFill(s.Group, match.Groups["s" + i.ToString(CultureInfo.InvariantCulture)].Value))];
    }

    // Non-backtracking like the matcher (it supports captures), so explaining is linear too. Built on first use: only
    // matches are explained.
    private readonly Lazy<Regex> _explainer = new(() => new Regex(
        "^" + BuildPattern(Slots, Gap, named: true) + "$", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));

    /// <summary>
    /// Slot i is a top-level group of plain alternatives (so <c>RegexPrefilter</c> takes it as a required literal set
    /// when every word has at least three characters), prefix terms as <c>stem[a-z0-9]*</c>; between slots, a space
    /// and up to <paramref name="gap"/> words each followed by a space.
    /// </summary>
    private static string BuildPattern(IReadOnlyList<IntentSlot> slots, int gap, bool named)
    {
        var pattern = new StringBuilder();
        for (var i = 0; i < slots.Count; i++)
        {
            if (i > 0)
            {
                pattern.Append(' ');
                if (gap > 0)
                {
                    pattern.Append(CultureInfo.InvariantCulture, $"([a-z0-9]+ ){{0,{gap}}}");
                }
            }

            pattern.Append(named ? string.Create(CultureInfo.InvariantCulture, $"(?<s{i}>") : "(");
            pattern.AppendJoin('|', slots[i].Words.OrderByDescending(w => w.Length).ThenBy(w => w, StringComparer.Ordinal)
                .Concat(slots[i].Prefixes.Select(p => p + "[a-z0-9]*")));
            pattern.Append(')');
        }

        return pattern.ToString();
    }
}

/// <summary>
/// Regular English word forms for a group term written with a trailing <c>~</c> (<c>stab~</c>: stab, stabs, stabbing,
/// stabbed): curators list a verb once and the rules see its inflections. Irregular forms (shot, hid, took) are listed
/// as terms of their own. Over-generation (<c>stabing</c>) only adds misspellings pupils also write.
/// </summary>
public static class WordForms
{
    public static IReadOnlyList<string> Inflect(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var forms = new List<string> { word };
        var space = word.LastIndexOf(' ');
        var head = space < 0 ? string.Empty : word[..(space + 1)];
        var last = word[(space + 1)..];
        if (last.Length < 2)
        {
            return forms;
        }

        var stem = last.EndsWith('e') && last.Length > 2 && !last.EndsWith("ee", StringComparison.Ordinal) ? last[..^1] : last;
        var doubled = EndsConsonantVowelConsonant(last) ? last + last[^1] : null;
        var third = last.EndsWith('s') || last.EndsWith('x') || last.EndsWith("sh", StringComparison.Ordinal) || last.EndsWith("ch", StringComparison.Ordinal)
            ? last + "es"
            : last.EndsWith('y') && !IsVowel(last[^2]) ? last[..^1] + "ies" : last + "s";
        forms.Add(head + third);
        forms.Add(head + stem + "ing");
        forms.Add(head + (last.EndsWith('e') ? last + "d" : last.EndsWith('y') && !IsVowel(last[^2]) ? last[..^1] + "ied" : last + "ed"));
        if (doubled is not null)
        {
            forms.Add(head + doubled + "ing");
            forms.Add(head + doubled + "ed");
        }

        return [.. forms.Distinct(StringComparer.Ordinal)];
    }

    private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u';

    // "stab", "cut", "hit", "shoot"(no: two vowels), "jump"(no): short words ending consonant-vowel-consonant double
    // their last letter before -ing/-ed; w, x and y never double.
    private static bool EndsConsonantVowelConsonant(string w) =>
        w.Length >= 3 && !IsVowel(w[^1]) && w[^1] is not ('w' or 'x' or 'y') && IsVowel(w[^2]) && !IsVowel(w[^3]);
}
