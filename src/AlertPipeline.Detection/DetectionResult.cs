namespace AlertPipeline.Detection;

/// <summary>One keyword hit. <see cref="Start"/>/<see cref="Length"/> index the original (not normalised) text.</summary>
public sealed record TermMatch(
    string EntryId,
    string Term,
    string Category,
    Severity Severity,
    int Start,
    int Length,
    string MatchedText);

/// <summary>What the detector found in one text. Unflagged results have no severity and no matches.</summary>
public sealed record DetectionResult(
    bool Flagged,
    Severity? Severity,
    IReadOnlyList<string> Categories,
    IReadOnlyList<TermMatch> Matches,
    string NormalizedText)
{
    public static DetectionResult None(string normalized) => new(false, null, [], [], normalized);
}
