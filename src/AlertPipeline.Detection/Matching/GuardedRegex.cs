using System.Text.RegularExpressions;

namespace AlertPipeline.Detection.Matching;

/// <summary>
/// The one way list regexes are compiled. Non-backtracking so a list entry cannot make matching
/// super-linear (no catastrophic backtracking whatever the pattern), with a length cap and a timeout as
/// a second guard against a pathological automaton.
/// </summary>
internal static class GuardedRegex
{
    public const int MaxPatternLength = 200;

    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(250);

    private const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | RegexOptions.IgnoreCase;

    /// <summary>Returns null and a reason when the pattern is not acceptable.</summary>
    public static Regex? TryCreate(string pattern, out string? problem) => TryCreate(pattern, wordBounded: false, out problem);

    /// <summary>
    /// The regex the matcher runs: <paramref name="pattern"/> (checked as <see cref="TryCreate(string, out string?)"/>
    /// checks it) wrapped in <c>\b(?:…)\b</c>, so the engine looks for matches that start and end at a word
    /// boundary rather than reporting one inside a word and missing the bounded one beside it. The matcher still
    /// checks each match's boundaries in the normalised text (a space or an end).
    /// </summary>
    public static Regex? TryCreateWordBounded(string pattern, out string? problem) => TryCreate(pattern, wordBounded: true, MatchTimeout, out problem);

    /// <summary>As <see cref="TryCreateWordBounded(string, out string?)"/>, with another wall-clock guard than <see cref="MatchTimeout"/>.</summary>
    public static Regex? TryCreateWordBounded(string pattern, TimeSpan timeout, out string? problem) => TryCreate(pattern, wordBounded: true, timeout, out problem);

    private static Regex? TryCreate(string pattern, bool wordBounded, out string? problem) => TryCreate(pattern, wordBounded, MatchTimeout, out problem);

    private static Regex? TryCreate(string pattern, bool wordBounded, TimeSpan timeout, out string? problem)
    {
        problem = null;
        if (pattern.Length > MaxPatternLength)
        {
            problem = $"is {pattern.Length} characters; a regex may have at most {MaxPatternLength}";
            return null;
        }

        try
        {
            var regex = new Regex(pattern, Options, MatchTimeout);
            if (regex.IsMatch(string.Empty))
            {
                problem = "matches the empty string, so it would flag every text";
                return null;
            }

            return wordBounded ? new Regex($@"\b(?:{pattern})\b", Options, timeout) : regex;
        }
        catch (ArgumentException ex)
        {
            problem = $"is not a valid regex: {ex.Message}";
            return null;
        }
        catch (NotSupportedException ex)
        {
            problem = $"uses a construct the non-backtracking engine does not support (backreferences, lookarounds, atomic groups): {ex.Message}";
            return null;
        }
    }
}
