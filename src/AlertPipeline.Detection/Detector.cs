using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.RegularExpressions;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Detection.Matching;
using AlertPipeline.Detection.Normalization;

namespace AlertPipeline.Detection;

/// <summary>
/// A keyword set compiled for matching. Immutable and thread-safe: compile once per list version
/// and swap the reference when lists change.
/// </summary>
/// <remarks>
/// One Aho-Corasick automaton holds every list term, group term, allow phrase and regex trigger literal,
/// so a text is read once per normalised variant. Scratch buffers are per thread, so a scan that finds
/// nothing allocates nothing (<see cref="TryScan"/>).
/// </remarks>
public sealed partial class Detector
{
    [ThreadStatic]
    private static Scratch? t_scratch;

    private readonly PatternSet _patterns;
    private readonly Lazy<PatternSet> _squeezedPatterns;
    private readonly Lazy<PatternSet> _gluedPatterns;
    private readonly Lazy<GluedWords> _gluedWords;

    // The sources (URL, title) for which some entry applies to searches but not to that source.
    private readonly SourceKinds _searchWidens;

    // Per primary pattern: the sources for which a hit on it can make a match by itself (an entry or a
    // regex trigger). A text whose hits are only context terms and allow phrases cannot be flagged.
    private readonly SourceKinds[] _relevance;

    // Per primary pattern: what judging the fused scan's hits needs to know about it (CouldMatch).
    private readonly PatternFacts[] _facts;
    private readonly Lazy<Regex?[]> _squeezedRegexes;
    private readonly CompiledEntry[] _entries;
    private readonly GroupTerm[] _groupTerms;
    private readonly string[] _groupTermNormalized;

    /// <summary>Each group's normalised terms, to tell whether a match's context was a combination's own word.</summary>
    private readonly HashSet<string>[] _groupWords;
    private readonly int[] _groupOfTerm;
    private readonly string[] _groups;
    private readonly CompiledCombination[] _combinations;
    private readonly CompiledRegex[] _regexes;

    // Per regex: runs of two or more consecutive steps of a fixed-shape regex (RegexPrefilter.RigidSteps) whose every
    // member is a primary pattern, as the pattern numbers of each step. A match has each run as hits one space apart.
    private readonly int[][][][] _regexChains;

    // A regex with no required literal runs on every text, so every text must be normalised.
    private readonly bool _regexWithoutTrigger;
    private readonly MaskedWords _masked;

    // Says "nothing here" for most plain texts from their words' first five characters (QuietTextFilter); null when
    // some relevant pattern has no word to anchor on, or a regex must read every text.
    private readonly QuietTextFilter? _quiet;

    // The wall-clock guard on each regex (GuardedRegex.MatchTimeout unless the host sets Detection:RegexTimeout).
    private readonly TimeSpan _regexTimeout;

    private Detector(KeywordSet set, TimeSpan regexTimeout)
    {
        Set = set;
        _regexTimeout = regexTimeout;
        var groupIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var g in set.Groups)
        {
            groupIndex.TryAdd(g.Group, groupIndex.Count);
        }

        _groups = [.. groupIndex.OrderBy(kv => kv.Value).Select(kv => kv.Key)];
        var patterns = new List<string>();
        var patternIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var targets = new List<List<Target>>();

        // Patterns are padded with the spaces that bound them (" kill " for a word, " suicid" for a prefix,
        // " suicide squad" for an allow phrase) and texts are scanned padded (AhoCorasick.ScanPadded), so the
        // automaton itself enforces word boundaries and reports far fewer hits inside words. Regex entries are
        // word-bounded too; RegexPrefilter pads their literals with the spaces that bound them where the
        // pattern makes them word-aligned (" how " for a pattern starting "how "), so they are added as they are.
        void AddPattern(string normalized, Target target)
        {
            if (target.Kind != TargetKind.RegexTrigger && normalized != "\uFFFF")
            {
                normalized = " " + normalized + (target.Prefix ? string.Empty : " ");
            }

            if (!patternIndex.TryGetValue(normalized, out var p))
            {
                p = patterns.Count;
                patternIndex[normalized] = p;
                patterns.Add(normalized);
                targets.Add([]);
            }

            targets[p].Add(target);
        }

        var entries = new List<CompiledEntry>();
        var regexes = new List<CompiledRegex>();
        int Unless(KeywordEntry entry) => entry.Unless is null ? -1
            : groupIndex.TryGetValue(entry.Unless, out var g) ? g
            : throw new KeywordListException($"{entry.Origin ?? entry.Id}: unless '{entry.Unless}' is not a defined group");

        foreach (var entry in set.Entries)
        {
            var requires = entry.Requires is null ? -1 : groupIndex.GetValueOrDefault(entry.Requires, -2);
            if (requires == -2)
            {
                throw new KeywordListException($"{entry.Origin ?? entry.Id}: requires '{entry.Requires}' is not a defined group");
            }

            var index = entries.Count;
            if (entry.Kind == MatchKind.Regex)
            {
                string? problem = null;
                var regex = (entry.Intent is not null ? GuardedRegex.IntentWordBounded(entry.RegexPattern, regexTimeout) : GuardedRegex.TryCreateWordBounded(entry.RegexPattern, regexTimeout, out problem))
                    ?? throw new KeywordListException($"{entry.Origin ?? entry.Id}: term '{entry.Term}' {problem}");
                var sets = RegexPrefilter.RequiredSets(entry.RegexPattern) ?? [];
                for (var k = 0; k < sets.Count; k++)
                {
                    foreach (var literal in sets[k])
                    {
                        AddPattern(literal, new Target(TargetKind.RegexTrigger, regexes.Count, Prefix: false, Bit: 1 << k));
                    }
                }

                regexes.Add(new CompiledRegex(index, regex, sets.Count == 0 ? 0 : (int)((1L << sets.Count) - 1), AnchorSet(sets)));
                entries.Add(new CompiledEntry(entry, entry.Term, requires, Unless(entry)));
                continue;
            }

            var normalized = TextNormalizer.NormalizeToString(entry.Term);
            if (normalized.Length == 0)
            {
                throw new KeywordListException($"{entry.Origin ?? entry.Id}: term '{entry.Term}' has no letters or digits after normalisation");
            }

            entries.Add(new CompiledEntry(entry, normalized, requires, Unless(entry)));
            AddPattern(normalized, new Target(TargetKind.Entry, index, entry.Kind == MatchKind.Prefix));

            // "bet365" is also "b37365": a leet run beside the term's own number is left as digits by the normaliser.
            foreach (var spelling in TextNormalizer.LeetSpellings(entry.Term))
            {
                AddPattern(spelling, new Target(TargetKind.Entry, index, entry.Kind == MatchKind.Prefix));
            }
        }

        _groupTerms = [.. set.Groups];
        _groupTermNormalized = new string[_groupTerms.Length];
        _groupWords = [.. _groups.Select(_ => new HashSet<string>(StringComparer.Ordinal))];
        _groupOfTerm = new int[_groupTerms.Length];
        for (var i = 0; i < _groupTerms.Length; i++)
        {
            _groupTermNormalized[i] = TextNormalizer.NormalizeToString(_groupTerms[i].Term);
            _groupOfTerm[i] = groupIndex[_groupTerms[i].Group];
            _groupWords[_groupOfTerm[i]].Add(_groupTermNormalized[i]);
            if (_groupTermNormalized[i].Length > 0)
            {
                AddPattern(_groupTermNormalized[i], new Target(TargetKind.Group, i, _groupTerms[i].Kind == MatchKind.Prefix));
            }
        }

        for (var i = 0; i < set.Allow.Count; i++)
        {
            var normalized = TextNormalizer.NormalizeToString(set.Allow[i].Phrase);
            if (normalized.Length > 0)
            {
                AddPattern(normalized, new Target(TargetKind.Allow, i, Prefix: true));
            }
        }

        if (patterns.Count == 0)
        {
            // A set with only regex entries: the automaton still needs one pattern; U+FFFF never survives normalising.
            AddPattern("\uFFFF", new Target(TargetKind.Allow, -1, Prefix: false));
            targets[0].Clear();
        }

        _combinations = [.. set.Combinations
            .Where(c => c.Group is null || groupIndex.ContainsKey(c.Group))
            .Select(c => new CompiledCombination(c, c.Group is null ? -1 : groupIndex[c.Group], c.Unless is null ? -1 : groupIndex.GetValueOrDefault(c.Unless, -1)))];
        _entries = [.. entries];
        foreach (var widened in new[] { SourceKinds.Url, SourceKinds.Title })
        {
            if (_entries.Any(e => (e.Entry.Sources & SourceKinds.Search) != 0 && (e.Entry.Sources & widened) == 0))
            {
                _searchWidens |= widened;
            }
        }
        _regexes = [.. regexes];
        _regexWithoutTrigger = _regexes.Any(r => r.RequiredMask == 0);
        _masked = new MaskedWords(_entries
            .Select((e, i) => (e, i))
            .Where(x => x.e.Entry.Kind is MatchKind.Word or MatchKind.Prefix)
            .Select(x => new MaskedWords.Word(x.i, x.e.Normalized, x.e.Entry.Kind == MatchKind.Prefix, x.e.Entry.Category, x.e.Entry.Severity, x.e.Entry.Sources)),
            patterns.Where(p => p.Trim().Contains(' ', StringComparison.Ordinal)).SelectMany(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        _patterns = new PatternSet(patterns, [.. targets.Select(t => t.ToArray())]);
        // A regex can match only if a literal of every required set is in the text, so a text is worth judging for
        // it only when a literal of its anchor set (the one least likely in ordinary text) is there: the common
        // context words of the other sets ("to", "how", "my") no longer send most texts to CouldMatch.
        _relevance = [.. _patterns.Targets.Select(ts => ts.Aggregate(SourceKinds.None, (sources, t) => sources | t.Kind switch
        {
            TargetKind.Entry => _entries[t.Index].Entry.Sources,
            TargetKind.RegexTrigger when (t.Bit & _regexes[t.Index].Anchor) != 0 => _entries[_regexes[t.Index].Entry].Entry.Sources,
            _ => SourceKinds.None,
        }))];

        _quiet = _regexWithoutTrigger ? null : QuietTextFilter.TryBuild(_patterns.Patterns, _relevance);
        _facts = [.. _patterns.Targets.Select((ts, p) => PatternFacts.Of(_patterns.Patterns[p], ts, _groupOfTerm))];
        _regexChains = [.. _regexes.Select(r => Chains(RegexPrefilter.RigidSteps(_entries[r.Entry].Entry.RegexPattern), patternIndex))];

        // Built on first use: only texts with stretched letters ("hooow", "kiiilllll") need them. A regex is
        // squeezed as text is ("(tell|show)" → "(tel|show)"); its letters are literals, so this keeps its meaning.
        _squeezedPatterns = new Lazy<PatternSet>(() => _patterns.Squeezed(), LazyThreadSafetyMode.ExecutionAndPublication);

        // Built on first use: only texts whose letters were joined ("k_i_l_l_m_y_s_e_l_f") need it.
        _gluedPatterns = new Lazy<PatternSet>(() => _patterns.Glued(), LazyThreadSafetyMode.ExecutionAndPublication);

        // Built on first use: only texts glued letter by letter ("h_o_w_m_a_n_y_p_i_l_l_s") are split into words.
        // The lists' own words (terms, phrases, groups, allow phrases, a regex's letters) join the dictionary.
        _gluedWords = new Lazy<GluedWords>(
            () => new GluedWords(_patterns.Patterns.Concat(_regexes.SelectMany(r => RegexWords().Matches(_entries[r.Entry].Entry.RegexPattern).Select(m => m.Value)))),
            LazyThreadSafetyMode.ExecutionAndPublication);
        _squeezedRegexes = new Lazy<Regex?[]>(
            () => [.. _regexes.Select(r => _entries[r.Entry].Entry.Intent is not null
                ? GuardedRegex.IntentWordBounded(TextNormalizer.SqueezeRuns(_entries[r.Entry].Entry.RegexPattern), _regexTimeout)
                : GuardedRegex.TryCreateWordBounded(TextNormalizer.SqueezeRuns(_entries[r.Entry].Entry.RegexPattern), _regexTimeout, out _))],
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public KeywordSet Set { get; }

    public string Version => Set.Version;

    /// <summary>Size of the compiled automaton, for diagnostics ("states × alphabet").</summary>
    public string AutomatonSummary => $"{_patterns.Automaton.StateCount} states × {_patterns.Automaton.AlphabetSize} symbols";

    /// <summary>The primary automaton, for diagnostics and benchmarks.</summary>
    internal AhoCorasick Automaton => _patterns.Automaton;

    /// <summary>Per primary pattern, the sources for which a hit on it can make a match by itself; for diagnostics.</summary>
    internal SourceKinds[] Relevance => _relevance;

    /// <summary>A primary pattern as the automaton holds it (padded with its bounding spaces); for diagnostics.</summary>
    internal string Pattern(int index) => _patterns.Patterns[index];

    /// <summary>
    /// For diagnostics and benchmarks: whether <see cref="TryScan"/> would normalise this text (it left the
    /// fused scan, or the fused scan's hits could make a match) rather than finish on the fused scan alone.
    /// </summary>
    internal bool LeavesFastPath(string text, SourceKinds source)
    {
        var scratch = t_scratch ??= new Scratch();
        scratch.Reset(_groups.Length, _regexes.Length);
        scratch.Source = source;
        scratch.Hits.Clear();
        return !FusedAsciiScan.TryScan(text, _patterns.Automaton, scratch.Hits, _relevance, source, out var relevant)
            || _regexWithoutTrigger || (relevant && CouldMatch(source, scratch));
    }

    /// <summary>The word-head prefilter, for benchmarks; null when it is off.</summary>
    internal QuietTextFilter? QuietFilter => _quiet;

    /// <summary>For tests and benchmarks: whether <see cref="TryScan"/> asks the word-head prefilter first (default true).</summary>
    internal bool UseQuietFilter { get; set; } = true;

    /// <summary>
    /// Whether the word-head prefilter proves that nothing in this text can match (<see cref="TryScan"/> then returns
    /// false at once): no relevant pattern in any normalised form of it, and no masked word ("n*****") for the source.
    /// </summary>
    internal bool IsQuiet(string text, SourceKinds source = SourceKinds.Any)
    {
        var verdict = _quiet is null ? QuietTextFilter.Verdict.Unknown : _quiet.Read(text);
        if (verdict != QuietTextFilter.Verdict.QuietUnlessMasked || _masked.IsEmpty)
        {
            return verdict != QuietTextFilter.Verdict.Unknown;
        }

        var found = (t_scratch ??= new Scratch()).Masked;
        found.Clear();
        return _masked.Find(text, EffectiveSource(text, source), found) == 0 && _masked.Unmask(text) is null;
    }

    /// <summary>For diagnostics: whether the word-head prefilter was built (how many anchors), or why not.</summary>
    internal string QuietFilterSummary => _quiet is null ? (_regexWithoutTrigger ? "off (a regex reads every text)" : "off (a pattern has no word to anchor on)") : $"{_quiet.Anchors} anchors";

    public static Detector Compile(KeywordSet set) => Compile(set, GuardedRegex.MatchTimeout);

    /// <param name="regexTimeout">The wall-clock guard on each regex match; a text it stops is reported in the result's warnings.</param>
    public static Detector Compile(KeywordSet set, TimeSpan regexTimeout)
    {
        ArgumentNullException.ThrowIfNull(set);
        return new Detector(set, regexTimeout);
    }

    /// <summary>Scans one text. Always returns a result; an unflagged one still carries the normalised text.</summary>
    public DetectionResult Scan(string text, SourceKinds source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var scratch = Run(text, EffectiveSource(text, source), needNormalized: true);
        if (scratch.Candidates.Count == 0 && scratch.Warnings is null)
        {
            return DetectionResult.None(new string(scratch.Buffers[0].Text));
        }

        return BuildResult(text, scratch);
    }

    /// <summary>
    /// Scans one text and returns a result only when something matched (or a regex guard tripped).
    /// Allocates nothing when nothing matched: the call for the hot path.
    /// </summary>
    public bool TryScan(string text, SourceKinds source, [NotNullWhen(true)] out DetectionResult? result)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (UseQuietFilter && _quiet is not null && _quiet.Worthwhile())
        {
            var quiet = IsQuiet(text, source);
            _quiet.Record(quiet);
            if (quiet)
            {
                result = null; // no relevant pattern can be in any normalised form of this text
                return false;
            }
        }

        var scratch = Run(text, EffectiveSource(text, source), needNormalized: false);
        if (scratch.Candidates.Count == 0 && scratch.Warnings is null)
        {
            result = null;
            return false;
        }

        result = BuildResult(text, scratch);
        if (!result.Flagged && result.Warnings.Count == 0)
        {
            result = null;
            return false;
        }

        return true;
    }

    /// <summary>
    /// The source with <see cref="SourceKinds.Search"/> added for a search results page's URL or title
    /// (<see cref="SearchPages"/>); checked only when some entry applies to searches but not to that source, since
    /// otherwise adding it changes nothing.
    /// </summary>
    private SourceKinds EffectiveSource(string text, SourceKinds source) =>
        (source & _searchWidens) != 0 ? SearchPages.Effective(text, source) : source;

    private Scratch Run(string text, SourceKinds source, bool needNormalized)
    {
        var scratch = t_scratch ??= new Scratch();
        scratch.Reset(_groups.Length, _regexes.Length);
        scratch.Source = source;
        var primary = scratch.Buffers[Primary];
        var hits = scratch.Hits;
        hits.Clear();

        // Rare: words censored with asterisks ("n*****") or an emoji for a letter ("n🍑des"), read whole before the
        // normaliser splits them.
        var masked = !_masked.IsEmpty && FindMasked(text, source, scratch) > 0;

        // Rarer: a masked word inside a phrase ("i want to k*ll myself") read as the one phrase word it fits. Only
        // asterisks are filled, so offsets are unchanged; results still quote the text as written.
        if (!_masked.IsEmpty && _masked.Unmask(text) is { } unmasked)
        {
            text = unmasked;
        }

        var segmented = false;
        if (FusedAsciiScan.TryScan(text, _patterns.Automaton, hits, _relevance, source, out var relevant))
        {
            // Plain ASCII words: the automaton has already seen the normalised text. The normaliser runs
            // only to judge hits that can make a match (prefix ends, offsets) or for a regex that needs every text.
            if (!needNormalized && !masked && !_regexWithoutTrigger && (!relevant || !CouldMatch(source, scratch)))
            {
                return scratch;
            }

            TextNormalizer.Normalize(text, primary);
            JudgeHits(Primary, _patterns, primary, text, source, scratch);
        }
        else
        {
            TextNormalizer.Normalize(text, primary);
            ScanVariant(Primary, _patterns, primary, text, source, scratch);
            if (primary.HasStretchedLetters)
            {
                // Rare: "hooow tooo schooool", "kiiilllll". Every letter run squeezed to one, matched against
                // patterns squeezed the same way; see TextNormalizer.SqueezeRuns.
                TextNormalizer.SqueezeRuns(primary, scratch.Buffers[Squeezed]);
                ScanVariant(Squeezed, _squeezedPatterns.Value, scratch.Buffers[Squeezed], text, source, scratch);
            }

            if (primary.SplitPoints.Count > 0)
            {
                // Rare: "i w a n t to die" read as "i want to die" as well as "iwant to die".
                TextNormalizer.Split(primary, scratch.Buffers[SplitVariant]);
                ScanVariant(SplitVariant, _patterns, scratch.Buffers[SplitVariant], text, source, scratch);
                if (primary.HasStretchedLetters)
                {
                    // Rarer: both ("i w aaa n t to die" → "iwaaant" → "iwant" → "i want").
                    TextNormalizer.Split(scratch.Buffers[Squeezed], scratch.BufferOf(SqueezedSplit), stretched: true);
                    ScanVariant(SqueezedSplit, _squeezedPatterns.Value, scratch.BufferOf(SqueezedSplit), text, source, scratch);
                }
            }

            if (primary.HasJoins)
            {
                // Rare: "k_i_l_l_m_y_s_e_l_f" or "kill\u200Bmyself" joined into "killmyself"; the primary text is
                // scanned again for phrases with their spaces removed, each space standing on a join point.
                ScanVariant(Glued, _gluedPatterns.Value, primary, text, source, scratch);

                // Rarer: a sentence glued letter by letter ("h_o_w_m_a_n_y_p_i_l_l_s_t_o_d_i_e"), split into its
                // words ("how many pills to die") and scanned like any text, regexes and context included.
                if (_gluedWords.Value.FindSplitPoints(primary, scratch.SegmentPoints))
                {
                    TextNormalizer.Split(primary, scratch.BufferOf(Segmented), scratch.SegmentPoints);
                    ScanVariant(Segmented, _patterns, scratch.BufferOf(Segmented), text, source, scratch);
                    segmented = true;
                }
            }
        }

        if (_regexes.Length > 0)
        {
            RunRegexes(Primary, primary, text, source, scratch);
            if (primary.HasStretchedLetters)
            {
                RunRegexes(Squeezed, scratch.Buffers[Squeezed], text, source, scratch);
            }

            if (segmented)
            {
                RunRegexes(Segmented, scratch.BufferOf(Segmented), text, source, scratch);
            }

            if (primary.SplitPoints.Count > 0)
            {
                RunRegexes(SplitVariant, scratch.Buffers[SplitVariant], text, source, scratch);
                if (primary.HasStretchedLetters)
                {
                    RunRegexes(SqueezedSplit, scratch.BufferOf(SqueezedSplit), text, source, scratch);
                }
            }
        }

        return scratch;
    }

    private int FindMasked(string text, SourceKinds source, Scratch scratch)
    {
        var found = scratch.Masked;
        found.Clear();
        if (_masked.Find(text, source, found) == 0)
        {
            return 0;
        }

        foreach (var (entry, start, length) in found)
        {
            scratch.Candidates.Add(new Candidate(entry, Masked, 0, 0, start, length));
        }

        return found.Count;
    }

    /// <summary>
    /// Judges the fused scan's hits without the normalised text (their positions are in the same
    /// coordinates): could any of them become a match? An entry for this source counts unless its required
    /// group was not seen or an allow phrase covers it; a regex counts when a literal of each of its required
    /// sets was seen. False means the text cannot be flagged, and it is not normalised.
    /// </summary>
    /// <remarks>
    /// Most texts that get here have one or two relevant hits among several context words (" to ", " how ", " my "),
    /// so only the relevant hits' targets are judged, and the other hits are read only as far as each judgement
    /// needs (a group, a regex's literal sets, an allow phrase), through <see cref="PatternFacts"/>.
    /// </remarks>
    private bool CouldMatch(SourceKinds source, Scratch scratch)
    {
        var hits = scratch.Hits;

        // Each judgement below reads every hit, so a text with very many (a pasted essay) would cost hits² here;
        // past MaxJudgedHits it is normalised and judged in full instead, which is linear.
        if (hits.Count > MaxJudgedHits)
        {
            return true;
        }

        for (var h = 0; h < hits.Count; h++)
        {
            var pattern = hits.Pattern(h);
            if ((_relevance[pattern] & source) == 0)
            {
                continue;
            }

            var (start, end) = _facts[pattern].Span(hits.End(h));
            foreach (var target in _patterns.Targets[pattern])
            {
                switch (target.Kind)
                {
                    case TargetKind.Entry when (_entries[target.Index].Entry.Sources & source) != 0:
                        var requires = _entries[target.Index].RequiresGroup;
                        if ((requires < 0 || SawGroup(hits, requires)) && !AllowCovers(hits, start, end, target.Prefix))
                        {
                            return true;
                        }

                        break;
                    // A regex is judged at hits of its anchor set only: a text it could match has one, so judging it at
                    // its other sets' hits as well would only repeat the work.
                    case TargetKind.RegexTrigger when (target.Bit & _regexes[target.Index].Anchor) != 0
                        && (_entries[_regexes[target.Index].Entry].Entry.Sources & source) != 0:
                        if (SawEveryLiteralSet(hits, target.Index) && SawEveryChain(hits, target.Index))
                        {
                            return true;
                        }

                        break;
                }
            }
        }

        return false;
    }

    /// <summary>A term of group <paramref name="group"/> is among the fused scan's hits.</summary>
    private bool SawGroup(HitList hits, int group)
    {
        var bit = 1UL << (group & 63);
        for (var h = 0; h < hits.Count; h++)
        {
            var pattern = hits.Pattern(h);
            if ((_facts[pattern].Groups & bit) == 0)
            {
                continue;
            }

            foreach (var target in _patterns.Targets[pattern])
            {
                if (target.Kind == TargetKind.Group && _groupOfTerm[target.Index] == group)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>A literal of every required set of regex <paramref name="regex"/> is among the fused scan's hits.</summary>
    private bool SawEveryLiteralSet(HitList hits, int regex)
    {
        var bit = 1UL << (regex & 63);
        var seen = 0;
        for (var h = 0; h < hits.Count; h++)
        {
            var pattern = hits.Pattern(h);
            if ((_facts[pattern].Regexes & bit) == 0)
            {
                continue;
            }

            foreach (var target in _patterns.Targets[pattern])
            {
                if (target.Kind == TargetKind.RegexTrigger && target.Index == regex)
                {
                    seen |= target.Bit;
                }
            }
        }

        return seen == _regexes[regex].RequiredMask;
    }

    /// <summary>
    /// Each of regex <paramref name="regex"/>'s chains (<see cref="_regexChains"/>) is among the fused scan's hits as
    /// hits one space apart, one per step in order ("going to" then "kill" for "(going to|gonna) (kill|stab) …"): else
    /// the words are in the text but not where a match needs them ("is it going to rain … kill the process").
    /// </summary>
    private bool SawEveryChain(HitList hits, int regex)
    {
        foreach (var chain in _regexChains[regex])
        {
            if (!ContinuesChain(hits, chain, 0, -1))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Some hit of <paramref name="chain"/>[<paramref name="step"/>] starts one space after <paramref name="after"/> (any start for the first step) and the rest of the chain follows it.</summary>
    private bool ContinuesChain(HitList hits, int[][] chain, int step, int after)
    {
        if (step == chain.Length)
        {
            return true;
        }

        for (var h = 0; h < hits.Count; h++)
        {
            var pattern = hits.Pattern(h);
            if (Array.IndexOf(chain[step], pattern) < 0)
            {
                continue;
            }

            var (start, end) = _facts[pattern].Span(hits.End(h));
            if ((step == 0 || start == after + 1) && ContinuesChain(hits, chain, step + 1, end))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The runs of two or more consecutive <paramref name="steps"/> whose every member, padded as a whole word, is a
    /// primary pattern (so the automaton reports each place it stands), as pattern numbers; none for a regex without steps.
    /// </summary>
    private static int[][][] Chains(IReadOnlyList<IReadOnlyList<string>>? steps, Dictionary<string, int> patternIndex)
    {
        var chains = new List<int[][]>();
        var run = new List<int[]>();
        foreach (var step in steps ?? [])
        {
            var patterns = step.Select(member => patternIndex.GetValueOrDefault(" " + member + " ", -1)).ToArray();
            if (patterns.Contains(-1))
            {
                Close();
                continue;
            }

            run.Add(patterns);
        }

        Close();
        return [.. chains];

        void Close()
        {
            if (run.Count >= 2)
            {
                chains.Add([.. run]);
            }

            run.Clear();
        }
    }

    /// <summary>
    /// An allow phrase among the fused scan's hits covers the match <paramref name="start"/>–<paramref name="end"/>. For a
    /// prefix the match runs on to the end of its word, which the hits do not show; it is covered only when the allow
    /// phrase itself has a space after the prefix ("suicid" in "suicide squad"), so the word ends inside the phrase.
    /// </summary>
    private bool AllowCovers(HitList hits, int start, int end, bool prefix)
    {
        for (var h = 0; h < hits.Count; h++)
        {
            var pattern = hits.Pattern(h);
            if (!_facts[pattern].Allow)
            {
                continue;
            }

            var (allowStart, allowEnd) = _facts[pattern].Span(hits.End(h));
            if (allowStart <= start && end <= allowEnd
                && (!prefix || WordEndsWithin(_patterns.Patterns[pattern].AsSpan(_facts[pattern].Lead), end - allowStart)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The text of a hit (<paramref name="phrase"/>) has a space at or after <paramref name="offset"/>.</summary>
    private static bool WordEndsWithin(ReadOnlySpan<char> phrase, int offset) =>
        offset < phrase.Length && phrase[offset..].Contains(' ');

    private void ScanVariant(int variant, PatternSet patterns, NormalizedBuffer buffer, string original, SourceKinds source, Scratch scratch)
    {
        scratch.Hits.Clear();
        patterns.Automaton.ScanPadded(buffer.Text, scratch.Hits);
        JudgeHits(variant, patterns, buffer, original, source, scratch);
    }

    /// <summary>Turns the automaton's hits on one variant into group terms, allowed spans, regex triggers and candidate matches.</summary>
    private void JudgeHits(int variant, PatternSet patterns, NormalizedBuffer buffer, string original, SourceKinds source, Scratch scratch)
    {
        var hits = scratch.Hits;
        if (hits.Count == 0)
        {
            return;
        }

        var text = buffer.Text;
        var allow = scratch.Allow[variant];

        // In the squeezed variant a match must cover a letter run the pupil stretched, or squeezing would
        // invent matches in ordinary text ("as" in "ass").
        var stretched = variant is Squeezed or SqueezedSplit ? buffer.Stretched : null;

        // In the glued variant a phrase's spaces must each fall on a join point, and its ends on a word boundary
        // or a join point, so only letters the normaliser joined are read as separate words.
        var glued = variant == Glued ? patterns.Joints : null;

        // Allow phrases, context groups and regex triggers first: entries are judged against them below.
        for (var h = 0; h < hits.Count; h++)
        {
            var (start, end) = patterns.Span(hits.Pattern(h), hits.End(h));
            if (glued is not null && !JoinsSpaces(buffer, start, glued[hits.Pattern(h)]))
            {
                continue;
            }

            var inRun = InsideJoinedRun(glued, start, end);
            foreach (var target in patterns.Targets[hits.Pattern(h)])
            {
                switch (target.Kind)
                {
                    case TargetKind.Allow when StartsWord(text, buffer, start, inRun):
                        allow.Add((start, end));
                        break;
                    case TargetKind.Group when StartsWord(text, buffer, start, inRun) && (target.Prefix || EndsWord(text, buffer, end, inRun)):
                        var group = _groupOfTerm[target.Index];
                        var termEnd = target.Prefix ? WordEnd(text, end) : end;
                        if (scratch.GroupTerm[group] < 0 && Covers(stretched, start, termEnd))
                        {
                            scratch.GroupTerm[group] = target.Index;
                            (scratch.GroupStart[group], scratch.GroupLength[group]) = buffer.ToOriginal(original, start, termEnd - start);
                        }
                        else if (scratch.GroupTerm[group] >= 0 && scratch.GroupOtherTerm[group] < 0 && Covers(stretched, start, termEnd)
                            && !string.Equals(_groupTermNormalized[target.Index], _groupTermNormalized[scratch.GroupTerm[group]], StringComparison.Ordinal))
                        {
                            scratch.GroupOtherTerm[group] = target.Index;
                        }

                        break;
                    case TargetKind.RegexTrigger when variant == Primary:
                        scratch.RegexSeen[target.Index] |= target.Bit;
                        break;
                }
            }
        }

        for (var h = 0; h < hits.Count; h++)
        {
            var (start, end) = patterns.Span(hits.Pattern(h), hits.End(h));
            if (glued is not null && !JoinsSpaces(buffer, start, glued[hits.Pattern(h)]))
            {
                continue;
            }

            var inRun = InsideJoinedRun(glued, start, end);
            foreach (var target in patterns.Targets[hits.Pattern(h)])
            {
                if (target.Kind != TargetKind.Entry || (_entries[target.Index].Entry.Sources & source) == 0
                    || !StartsWord(text, buffer, start, inRun) || !(target.Prefix || EndsWord(text, buffer, end, inRun)))
                {
                    continue;
                }

                var matchEnd = target.Prefix ? WordEnd(text, end) : end;
                if (IsAllowed(allow, start, matchEnd) || !Covers(stretched, start, matchEnd))
                {
                    continue;
                }

                var (origStart, origLength) = buffer.ToOriginal(original, start, matchEnd - start);
                scratch.Candidates.Add(new Candidate(target.Index, variant, start, matchEnd - start, origStart, origLength));
            }
        }
    }

    /// <summary>A glued pattern's spaces (<paramref name="spaces"/>: offsets in the glued pattern) all fall on join points of the text.</summary>
    private static bool JoinsSpaces(NormalizedBuffer buffer, int start, int[] spaces)
    {
        foreach (var offset in spaces)
        {
            if (!buffer.IsJoinedAt(start + offset))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether a glued match may start or end inside a joined run ("k_i_l_l_m_y_s_e_l_f_n_o_w") rather than at a word
    /// boundary: only a phrase of six letters or more, so short ones ("k hole", "go er") are not read inside
    /// spaced-out words ("s_i_n_k_h_o_l_e", "p_l_a_y_g_o_e_r").
    /// </summary>
    private static bool InsideJoinedRun(int[][]? glued, int start, int end) => glued is not null && end - start >= 6;

    /// <summary>A word starts at <paramref name="start"/>, or (<paramref name="inRun"/>) the letters there were joined.</summary>
    private static bool StartsWord(ReadOnlySpan<char> text, NormalizedBuffer buffer, int start, bool inRun) =>
        StartsWord(text, start) || (inRun && buffer.IsJoinedAt(start));

    private static bool EndsWord(ReadOnlySpan<char> text, NormalizedBuffer buffer, int end, bool inRun) =>
        EndsWord(text, end) || (inRun && buffer.IsJoinedAt(end));

    /// <summary>True when there is no stretch requirement, or the span covers a stretched letter.</summary>
    private static bool Covers(bool[]? stretched, int start, int end) =>
        stretched is null || stretched.AsSpan(start, end - start).Contains(true);

    /// <summary>
    /// Runs the list's regex entries on one variant. On the primary text a regex runs only when the automaton
    /// saw its required literal; the rare variants are short-lived and run every regex (a match in the
    /// squeezed variant must still cover a stretched letter). Like every other entry, a regex match counts only
    /// when it starts and ends at a word boundary of the normalised text ("kill" never inside "skillful").
    /// </summary>
    private void RunRegexes(int variant, NormalizedBuffer buffer, string original, SourceKinds source, Scratch scratch)
    {
        var stretched = variant is Squeezed or SqueezedSplit ? buffer.Stretched : null;
        var squeezedRegexes = variant is Squeezed or SqueezedSplit ? _squeezedRegexes.Value : null;
        for (var r = 0; r < _regexes.Length; r++)
        {
            var compiled = _regexes[r];
            var regex = squeezedRegexes is null ? compiled.Regex : squeezedRegexes[r];
            if ((variant == Primary && scratch.RegexSeen[r] != compiled.RequiredMask)
                || (_entries[compiled.Entry].Entry.Sources & source) == 0 || regex is null)
            {
                continue;
            }

            try
            {
                foreach (var m in regex.EnumerateMatches(buffer.Text))
                {
                    if (m.Length == 0 || !StartsWord(buffer.Text, m.Index) || !EndsWord(buffer.Text, m.Index + m.Length)
                        || IsAllowed(scratch.Allow[variant], m.Index, m.Index + m.Length) || !Covers(stretched, m.Index, m.Index + m.Length))
                    {
                        continue;
                    }

                    var (origStart, origLength) = buffer.ToOriginal(original, m.Index, m.Length);
                    scratch.Candidates.Add(new Candidate(compiled.Entry, variant, m.Index, m.Length, origStart, origLength));
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // Never silently: a timed-out rule may have hidden a concern, so the result says so.
                (scratch.Warnings ??= []).Add($"{_entries[compiled.Entry].Entry.Id}: regex timed out after {_regexTimeout.TotalMilliseconds} ms; text not fully checked by this rule");
            }
        }
    }

    /// <summary>
    /// The result of a scan that found candidates. Runs for every flagged text, so it keeps to loops and the
    /// scratch's reusable sets and builders; what it allocates is what the result holds.
    /// </summary>
    private DetectionResult BuildResult(string text, Scratch scratch)
    {
        var normalized = new string(scratch.Buffers[0].Text);
        var warnings = scratch.Warnings?.ToArray() ?? [];
        var seen = scratch.SeenCandidates;
        seen.Clear();
        var matches = new List<TermMatch>();
        foreach (var c in scratch.Candidates)
        {
            var compiled = _entries[c.Entry];
            if (compiled.RequiresGroup >= 0 && scratch.GroupTerm[compiled.RequiresGroup] < 0)
            {
                continue;
            }

            // The text says the word is used in its everyday sense ("chocolate bars", "birthday balloons").
            if (compiled.UnlessGroup >= 0 && scratch.GroupTerm[compiled.UnlessGroup] >= 0)
            {
                continue;
            }

            if (!seen.Add((c.Entry, c.OrigStart, c.OrigLength)))
            {
                continue;
            }

            var entry = compiled.Entry;
            matches.Add(new TermMatch(entry.Id, entry.Term, entry.Category, entry.Severity, c.OrigStart, c.OrigLength,
                text.Substring(c.OrigStart, c.OrigLength))
            {
                NormalizedMatch = c.Variant == Masked ? compiled.Normalized : new string(scratch.BufferOf(c.Variant).Text.Slice(c.NormStart, c.NormLength)),
                Kind = entry.Kind,
                RequiredContext = compiled.RequiresGroup >= 0
                    ? string.Concat(_groups[compiled.RequiresGroup], ": ", _groupTermNormalized[scratch.GroupTerm[compiled.RequiresGroup]])
                    : null,
                ContextTerm = compiled.RequiresGroup >= 0 ? _groupTermNormalized[scratch.GroupTerm[compiled.RequiresGroup]] : null,
                ContextGroup = compiled.RequiresGroup,
                OtherContextTerm = compiled.RequiresGroup >= 0 && scratch.GroupOtherTerm[compiled.RequiresGroup] >= 0
                    ? _groupTermNormalized[scratch.GroupOtherTerm[compiled.RequiresGroup]] : null,
                Slots = entry.Intent is { } intent
                    ? intent.Explain(c.Variant == Masked ? compiled.Normalized : new string(scratch.BufferOf(c.Variant).Text.Slice(c.NormStart, c.NormLength)))
                    : [],
            });
        }

        if (matches.Count == 0)
        {
            return DetectionResult.None(normalized) with { Warnings = warnings };
        }

        matches.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.Length.CompareTo(a.Length));
        DropContained(matches);
        var categorySeverity = scratch.CategorySeverity;
        categorySeverity.Clear();
        var strongest = matches[0];
        foreach (var m in matches)
        {
            categorySeverity[m.Category] = categorySeverity.TryGetValue(m.Category, out var s) && s > m.Severity ? s : m.Severity;
            strongest = m.Severity > strongest.Severity ? m : strongest;
        }

        var severity = strongest.Severity;
        var severityRule = strongest.EntryId;
        var combinations = new List<CombinationHit>();
        foreach (var combo in _combinations)
        {
            var termIndex = combo.Group >= 0 ? scratch.GroupTerm[combo.Group] : -1;
            if ((combo.Group >= 0 && termIndex < 0) || (combo.Rule.Sources & scratch.Source) == 0
                || !categorySeverity.TryGetValue(combo.Rule.Category, out var current) || !ReadAsMeant(matches, combo)
                || (combo.UnlessGroup >= 0 && scratch.GroupTerm[combo.UnlessGroup] >= 0))
            {
                continue;
            }

            // A rule of sources alone ("what is searched for") names where the text came from instead of a word.
            combinations.Add(combo.Group >= 0
                ? new CombinationHit(combo.Rule.Id, combo.Rule.Category, combo.Rule.Group!, combo.Rule.RaiseTo,
                    _groupTermNormalized[termIndex], scratch.GroupStart[combo.Group], scratch.GroupLength[combo.Group])
                : new CombinationHit(combo.Rule.Id, combo.Rule.Category, "source", combo.Rule.RaiseTo, combo.Rule.Sources.ToName(), 0, 0));
            if (combo.Rule.RaiseTo > current)
            {
                categorySeverity[combo.Rule.Category] = combo.Rule.RaiseTo;
            }

            if (combo.Rule.RaiseTo > severity)
            {
                severity = combo.Rule.RaiseTo;
                severityRule = combo.Rule.Id;
            }
        }

        // Strongest category first, ties by name.
        var ranked = scratch.RankedCategories;
        ranked.Clear();
        ranked.AddRange(categorySeverity);
        ranked.Sort((a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
        var categories = new List<string>(ranked.Count);
        foreach (var (category, _) in ranked)
        {
            categories.Add(category);
        }

        var spans = scratch.Spans;
        spans.Clear();
        foreach (var m in matches)
        {
            spans.Add((m.Start, m.Length));
        }

        foreach (var c in combinations)
        {
            if (c.Length > 0)
            {
                spans.Add((c.Start, c.Length));
            }
        }

        var snippet = Explanation.Snippet.Build(text, spans, scratch.Builder);
        var explanation = Explain(matches, combinations, severity, severityRule, scratch.Builder);
        return new DetectionResult(true, severity, categories, matches, normalized)
        {
            Combinations = combinations,
            SeverityRule = severityRule,
            Snippet = snippet,
            Explanation = explanation,
            Warnings = warnings,
        };
    }

    /// <summary>
    /// A combination needs a match of its category that stands on its own: one that needs no context, or whose context
    /// was a word other than the combination's own (the first two different context words are kept). An entry that
    /// requires the combination's own group ("how many" with means) is the pair the curator meant, and counts. Otherwise "selling candy bars" would read "bars" as a drug because of
    /// "selling" and then raise it to urgent because of "selling" again: slang must be read as slang before buying it counts.
    /// </summary>
    private bool ReadAsMeant(List<TermMatch> matches, CompiledCombination combo)
    {
        foreach (var m in matches)
        {
            // A rule of sources alone raises only a word that needs no context: a word that is a drug only beside
            // another ("speed" with "high") is not a drug search because it was searched ("high speed rail").
            if (string.Equals(m.Category, combo.Rule.Category, StringComparison.Ordinal)
                && (m.ContextTerm is null
                    || (combo.Group >= 0 && (m.ContextGroup == combo.Group || !_groupWords[combo.Group].Contains(m.ContextTerm)
                        || (m.OtherContextTerm is not null && !_groupWords[combo.Group].Contains(m.OtherContextTerm))))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Drops every match that lies within another (<see cref="IsWithin"/>). Containment is transitive and strictly
    /// lengthens, so a match within a dropped one is also within a kept one: one look at the original list is enough.
    /// </summary>
    private static void DropContained(List<TermMatch> matches)
    {
        Span<bool> drop = matches.Count <= 64 ? stackalloc bool[matches.Count] : new bool[matches.Count];
        for (var i = 0; i < matches.Count; i++)
        {
            for (var j = 0; j < matches.Count && !drop[i]; j++)
            {
                drop[i] = IsWithin(matches[i], matches[j]);
            }
        }

        var kept = 0;
        for (var i = 0; i < matches.Count; i++)
        {
            if (!drop[i])
            {
                matches[kept++] = matches[i];
            }
        }

        matches.RemoveRange(kept, matches.Count - kept);
    }

    /// <summary>
    /// "want to die" inside "i want to die" (same category, no stronger): one finding, so the explanation
    /// does not double up. A contained match of another category, or a stronger one, is kept.
    /// </summary>
    private static bool IsWithin(TermMatch inner, TermMatch outer) =>
        outer.Length > inner.Length && outer.Start <= inner.Start && inner.Start + inner.Length <= outer.Start + outer.Length
        && string.Equals(outer.Category, inner.Category, StringComparison.Ordinal) && inner.Severity <= outer.Severity;

    private static string Explain(List<TermMatch> matches, List<CombinationHit> combinations, Severity severity, string rule, StringBuilder builder)
    {
        builder.Clear();
        builder.Append(severity.ToName()).Append(" by ").Append(rule).Append(": ");
        for (var i = 0; i < matches.Count; i++)
        {
            var m = matches[i];
            if (i > 0)
            {
                builder.Append("; ");
            }

            builder.Append(m.Rule).Append(" (").Append(m.Severity.ToName()).Append(") matched '").Append(m.MatchedText)
                .Append("' as '").Append(m.NormalizedMatch).Append('\'');
            if (m.RequiredContext is not null)
            {
                builder.Append(" with ").Append(m.RequiredContext);
            }

            for (var s = 0; s < m.Slots.Count; s++)
            {
                builder.Append(s == 0 ? " [" : ", ").Append(m.Slots[s].Slot).Append("='").Append(m.Slots[s].Words).Append('\'');
            }

            builder.Append(m.Slots.Count > 0 ? "]" : string.Empty);
        }

        foreach (var c in combinations)
        {
            builder.Append("; ").Append(c.Id).Append(" raises ").Append(c.Category).Append(" to ")
                .Append(c.RaiseTo.ToName()).Append(" with ").Append(c.Group).Append(": '").Append(c.GroupTerm).Append('\'');
        }

        return builder.ToString();
    }

    private static bool StartsWord(ReadOnlySpan<char> text, int start) => start == 0 || text[start - 1] == ' ';

    private static bool EndsWord(ReadOnlySpan<char> text, int end) => end == text.Length || text[end] == ' ';

    private static int WordEnd(ReadOnlySpan<char> text, int end)
    {
        while (end < text.Length && text[end] != ' ')
        {
            end++;
        }

        return end;
    }

    private static bool IsAllowed(List<(int Start, int End)> allow, int start, int end)
    {
        foreach (var (s, e) in allow)
        {
            if (s <= start && end <= e)
            {
                return true;
            }
        }

        return false;
    }

    // Hits beyond which CouldMatch does not judge a text in hit space (a 200-character text has about ten).
    private const int MaxJudgedHits = 128;

    private const int Primary = 0;
    private const int Squeezed = 1;
    private const int SplitVariant = 2;

    // The primary text read against glued patterns; it has no buffer of its own.
    private const int Glued = 3;

    // A masked word ("n*****") read as a list word (MaskedWords): the candidate has no place in any normalised text.
    private const int Masked = 4;

    // Rare: the squeezed text split the way the split variant splits the primary one ("i w aaa n t to die" → "iwaaant"
    // → squeezed "iwant" → "i want"). Matched against the squeezed patterns, with the squeezed variant's rule that a
    // match must cover a stretched letter.
    private const int SqueezedSplit = 5;

    // Rarer: a text glued letter by letter, split into words (GluedWords); read like the primary text.
    private const int Segmented = 6;

    /// <summary>The letter words of a regex's source ("how (much|many)" → how, much, many), for <see cref="GluedWords"/>.</summary>
    [GeneratedRegex("[a-z]{2,}")]
    private static partial Regex RegexWords();

    private enum TargetKind : byte
    {
        Entry,
        Group,
        Allow,
        RegexTrigger,
    }

    /// <summary>What an automaton pattern means; one normalised string can serve several entries, groups and allow phrases.</summary>
    /// <remarks><see cref="Bit"/>: for a regex trigger, which of the regex's required literal sets this literal belongs to.</remarks>
    private readonly record struct Target(TargetKind Kind, int Index, bool Prefix, int Bit = 0);

    /// <summary>An automaton over a set of pattern strings, with what each pattern means and its length.</summary>
    private sealed class PatternSet
    {
        public PatternSet(List<string> patterns, Target[][] targets, int[][]? joints = null)
        {
            Patterns = patterns;
            Targets = targets;
            Joints = joints;
            Length = [.. patterns.Select(p => p.Length)];
            Automaton = AhoCorasick.Build(patterns);
        }

        public List<string> Patterns { get; }

        public Target[][] Targets { get; }

        /// <summary>For a glued set (<see cref="Glued"/>), per pattern: where the phrase's spaces were, as offsets in the glued pattern.</summary>
        public int[][]? Joints { get; }

        public int[] Length { get; }

        /// <summary>
        /// The span in the normalised text of a hit that ends at <paramref name="paddedEnd"/> in the padded text
        /// (<see cref="AhoCorasick.ScanPadded"/>), without the pattern's own bounding spaces.
        /// </summary>
        public (int Start, int End) Span(int pattern, int paddedEnd)
        {
            var text = Patterns[pattern];
            var lead = text[0] == ' ' ? 1 : 0;
            var trail = text.Length > 1 && text[^1] == ' ' ? 1 : 0;
            return (paddedEnd - Length[pattern] + lead - 1, paddedEnd - 1 - trail);
        }

        public AhoCorasick Automaton { get; }

        /// <summary>The same targets under their squeezed patterns ("kill" → "kil"); patterns that squeeze alike share a row.</summary>
        public PatternSet Squeezed()
        {
            var patterns = new List<string>();
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var targets = new List<List<Target>>();
            for (var p = 0; p < Patterns.Count; p++)
            {
                var squeezed = TextNormalizer.SqueezeRuns(Patterns[p]);
                if (!index.TryGetValue(squeezed, out var q))
                {
                    q = patterns.Count;
                    index[squeezed] = q;
                    patterns.Add(squeezed);
                    targets.Add([]);
                }

                targets[q].AddRange(Targets[p]);
            }

            return new PatternSet(patterns, [.. targets.Select(t => t.ToArray())]);
        }

        /// <summary>
        /// Phrases (entries, group terms and allow phrases of two or more words) with their spaces removed and
        /// no bounding spaces ("kill myself" → "killmyself", spaces at offset 4), for text whose letters the
        /// normaliser joined. One-word patterns are left out: the primary scan has them, and reading one inside
        /// a joined run ("s_k_i_l_l") would undo the word boundary. Regex triggers are left out too.
        /// </summary>
        public PatternSet Glued()
        {
            var patterns = new List<string>();
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var targets = new List<List<Target>>();
            var joints = new List<int[]>();
            for (var p = 0; p < Patterns.Count; p++)
            {
                var phrase = Patterns[p].Trim(' ');
                var kept = Array.FindAll(Targets[p], t => t.Kind != TargetKind.RegexTrigger);
                if (!phrase.Contains(' ', StringComparison.Ordinal) || kept.Length == 0)
                {
                    continue;
                }

                var spaces = new List<int>();
                var glued = new StringBuilder(phrase.Length);
                foreach (var c in phrase)
                {
                    if (c == ' ')
                    {
                        spaces.Add(glued.Length);
                    }
                    else
                    {
                        glued.Append(c);
                    }
                }

                // Phrases that glue alike ("kill yourself", "kill your self") share a row that needs the spaces they share.
                var key = glued.ToString();
                if (!index.TryGetValue(key, out var q))
                {
                    q = patterns.Count;
                    index[key] = q;
                    patterns.Add(key);
                    targets.Add([]);
                    joints.Add([.. spaces]);
                }
                else
                {
                    joints[q] = [.. joints[q].Intersect(spaces)];
                }

                targets[q].AddRange(kept);
            }

            if (patterns.Count == 0)
            {
                patterns.Add("\uFFFF");
                targets.Add([]);
                joints.Add([]);
            }

            return new PatternSet(patterns, [.. targets.Select(t => t.ToArray())], [.. joints]);
        }
    }

    /// <summary>
    /// One primary pattern as <see cref="CouldMatch"/> reads it, in one small struct instead of its string and target
    /// list: where its hit lies relative to the hit's end, whether it is an allow phrase, and which groups and regexes
    /// its targets belong to, as one bit per group or regex index modulo 64 (a bit that is set says "look at the
    /// targets"; a clear bit rules the pattern out).
    /// </summary>
    private readonly record struct PatternFacts(int Lead, int StartBack, int EndBack, bool Allow, ulong Groups, ulong Regexes)
    {
        public static PatternFacts Of(string pattern, Target[] targets, int[] groupOfTerm)
        {
            var lead = pattern[0] == ' ' ? 1 : 0;
            var trail = pattern.Length > 1 && pattern[^1] == ' ' ? 1 : 0;
            var allow = false;
            var groups = 0UL;
            var regexes = 0UL;
            foreach (var target in targets)
            {
                switch (target.Kind)
                {
                    case TargetKind.Allow:
                        allow = true;
                        break;
                    case TargetKind.Group:
                        groups |= 1UL << (groupOfTerm[target.Index] & 63);
                        break;
                    case TargetKind.RegexTrigger:
                        regexes |= 1UL << (target.Index & 63);
                        break;
                }
            }

            return new PatternFacts(lead, pattern.Length - lead + 1, 1 + trail, allow, groups, regexes);
        }

        /// <summary>The hit's span in the normalised text, as <see cref="PatternSet.Span"/> gives it.</summary>
        public (int Start, int End) Span(int paddedEnd) => (paddedEnd - StartBack, paddedEnd - EndBack);
    }

    /// <param name="UnlessGroup">The group whose presence says the term is used in its everyday sense, or -1.</param>
    private sealed record CompiledEntry(KeywordEntry Entry, string Normalized, int RequiresGroup, int UnlessGroup = -1);

    private sealed record CompiledCombination(Combination Rule, int Group, int UnlessGroup);

    /// <summary>
    /// The bit of the required literal set a regex is judged by on the fast path and anchored on by the word-head
    /// prefilter: the set whose commonest literal is rarest in everyday text (<see cref="QuietTextFilter.AnchorScore"/>),
    /// and of those the one whose shortest literal is longest ("myself|yourself" rather than "to|do i"). Any set would
    /// be sound (every set must be present for a match); 0 when the regex has none.
    /// </summary>
    private static int AnchorSet(IReadOnlyList<IReadOnlyList<string>> sets)
    {
        var best = -1;
        var bestScore = long.MinValue;
        var bestLength = -1;
        for (var k = 0; k < sets.Count; k++)
        {
            var score = sets[k].Count == 0 ? -1 : sets[k].Min(QuietTextFilter.AnchorScore);
            var shortest = sets[k].Count == 0 ? 0 : sets[k].Min(l => l.Trim().Length);
            if (score > bestScore || (score == bestScore && shortest > bestLength))
            {
                (best, bestScore, bestLength) = (k, score, shortest);
            }
        }

        return best < 0 ? 0 : 1 << best;
    }

    /// <summary>A list regex; it runs on the primary text only when a literal of every required set was seen (all of <see cref="RequiredMask"/>; 0: always).</summary>
    /// <remarks><see cref="Anchor"/>: the bit of the set the fast path judges it by (<see cref="AnchorSet"/>).</remarks>
    private sealed record CompiledRegex(int Entry, Regex Regex, int RequiredMask, int Anchor);

    private readonly record struct Candidate(int Entry, int Variant, int NormStart, int NormLength, int OrigStart, int OrigLength);

    /// <summary>Per-thread working memory, reused so a scan that finds nothing allocates nothing.</summary>
    private sealed class Scratch
    {
        public NormalizedBuffer[] Buffers { get; } = [new(), new(), new(), new(), new()];

        /// <summary>Where the segmented variant splits the primary text (<see cref="GluedWords.FindSplitPoints"/>).</summary>
        public List<int> SegmentPoints { get; } = [];

        public HitList Hits { get; } = new();

        public List<(int Start, int End)>[] Allow { get; } = [[], [], [], [], [], [], []];

        public List<Candidate> Candidates { get; } = [];

        public List<(int Entry, int Start, int Length)> Masked { get; } = [];

        public List<string>? Warnings { get; set; }

        /// <summary>Where the text being scanned came from (with a search page's URL or title counted as a search).</summary>
        public SourceKinds Source { get; set; }

        // BuildResult's working sets, reused: a flagged text allocates only what its result holds.
        public HashSet<(int Entry, int Start, int Length)> SeenCandidates { get; } = [];

        public Dictionary<string, Severity> CategorySeverity { get; } = new(StringComparer.Ordinal);

        public List<KeyValuePair<string, Severity>> RankedCategories { get; } = [];

        public List<(int Start, int Length)> Spans { get; } = [];

        public StringBuilder Builder { get; } = new(Explanation.Snippet.MaxLength);

        /// <summary>Per group: the index of the first group term seen (−1: none), and where it is in the original.</summary>
        public int[] GroupTerm { get; private set; } = [];

        public int[] GroupStart { get; private set; } = [];

        /// <summary>Per group, a term other than <see cref="GroupTerm"/>'s also seen (or -1): a second piece of context.</summary>
        public int[] GroupOtherTerm { get; private set; } = [];

        public int[] GroupLength { get; private set; } = [];

        /// <summary>Per regex: a bit per required literal set a member of which was seen.</summary>
        public int[] RegexSeen { get; private set; } = [];

        public void Reset(int groups, int regexes)
        {
            if (GroupTerm.Length != groups)
            {
                GroupTerm = new int[groups];
                GroupOtherTerm = new int[groups];
                GroupStart = new int[groups];
                GroupLength = new int[groups];
            }

            if (RegexSeen.Length < regexes)
            {
                RegexSeen = new int[regexes];
            }

            GroupTerm.AsSpan(0, groups).Fill(-1);
            GroupOtherTerm.AsSpan(0, groups).Fill(-1);
            RegexSeen.AsSpan(0, regexes).Clear();
            Candidates.Clear();
            Allow[0].Clear();
            Allow[1].Clear();
            Allow[2].Clear();
            Allow[3].Clear();
            Allow[SqueezedSplit].Clear();
            Allow[Segmented].Clear();
            Warnings = null;
        }

        /// <summary>The text a variant was read in: the glued variant reads the primary text.</summary>
        public NormalizedBuffer BufferOf(int variant) => Buffers[variant switch { Glued => Primary, SqueezedSplit => 3, Segmented => 4, _ => variant }];
    }
}
