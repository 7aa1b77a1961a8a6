using AlertPipeline.Detection.Lists;

namespace AlertPipeline.Detection;

/// <summary>One keyword hit. <see cref="Start"/>/<see cref="Length"/> index the original (not normalised) text.</summary>
public sealed record TermMatch(
    string EntryId,
    string Term,
    string Category,
    Severity Severity,
    int Start,
    int Length,
    string MatchedText)
{
    /// <summary>The rule that produced this match: the list entry's id ("suicide/kill myself").</summary>
    public string Rule => EntryId;

    /// <summary>The matched span as the matcher saw it after normalisation ("kill" for "K1LL").</summary>
    public string NormalizedMatch { get; init; } = string.Empty;

    public MatchKind Kind { get; init; }

    /// <summary>For an entry with <c>requires</c>: the group and the context term that satisfied it ("means: pills").</summary>
    public string? RequiredContext { get; init; }

    /// <summary>For an intent rule (intents.csv): the words that filled each slot, in order ("harm-verb": "shoot").</summary>
    public IReadOnlyList<SlotFill> Slots { get; init; } = [];

    /// <summary>The normalised context term alone ("pills"), for judging combinations.</summary>
    internal string? ContextTerm { get; init; }

    /// <summary>The index of the group <see cref="ContextTerm"/> came from, or -1.</summary>
    internal int ContextGroup { get; init; } = -1;

    /// <summary>A second, different context term of the same group, if the text had one.</summary>
    internal string? OtherContextTerm { get; init; }
}

/// <summary>One slot of an intent rule and the words of the text that filled it.</summary>
public sealed record SlotFill(string Slot, string Words);

/// <summary>
/// A combinations.csv rule that fired: a match in <see cref="Category"/> and the context term
/// <see cref="GroupTerm"/> (at <see cref="Start"/>/<see cref="Length"/> in the original text) raised the severity.
/// </summary>
public sealed record CombinationHit(string Id, string Category, string Group, Severity RaiseTo, string GroupTerm, int Start, int Length);

/// <summary>What the detector found in one text. Unflagged results have no severity and no matches.</summary>
public sealed record DetectionResult(
    bool Flagged,
    Severity? Severity,
    IReadOnlyList<string> Categories,
    IReadOnlyList<TermMatch> Matches,
    string NormalizedText)
{
    /// <summary>Combination rules that fired; each may have raised <see cref="Severity"/>.</summary>
    public IReadOnlyList<CombinationHit> Combinations { get; init; } = [];

    /// <summary>The entry id or combination id that set <see cref="Severity"/>; null when unflagged.</summary>
    public string? SeverityRule { get; init; }

    /// <summary>The original text around the matches with each match in brackets, at most 200 characters.</summary>
    public string Snippet { get; init; } = string.Empty;

    /// <summary>One line a safeguarding lead can read: which rules matched what, and why the severity is what it is.</summary>
    public string Explanation { get; init; } = string.Empty;

    /// <summary>Problems that may have hidden a match (a list regex timed out). Empty normally.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The learned model's probability per category, when a model judged this text (empty otherwise).</summary>
    public IReadOnlyList<Model.ModelScore> ModelScores { get; init; } = [];

    /// <summary>True when the learned model alone raised this result: no keyword rule matched its categories.</summary>
    public bool ModelOnly { get; init; }

    public static DetectionResult None(string normalized) => new(false, null, [], [], normalized);
}
