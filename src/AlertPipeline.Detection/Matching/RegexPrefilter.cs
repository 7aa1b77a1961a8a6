using System.Text;

namespace AlertPipeline.Detection.Matching;

/// <summary>
/// Finds a literal that every match of a list regex must contain, so the regex runs only on texts where
/// the Aho-Corasick pass saw that literal. Conservative: any construct it does not understand ends the
/// literal, and a top-level alternation means "no literal" (the regex then runs on every text).
/// </summary>
/// <remarks>
/// Regex matches are word-bounded (they start and end at a word boundary of the normalised text), so a literal
/// that starts the pattern, ends it, or sits beside a <c>\b</c> is padded with the space that bounds it there
/// (" how " for "how (much|many) …"), like an ordinary pattern: the automaton then sees "how" only as a word.
/// </remarks>
internal static class RegexPrefilter
{
    public const int MinimumLength = 3;

    public static string? RequiredLiteral(string pattern)
    {
        var best = string.Empty;
        var bestLength = 0;
        var run = new StringBuilder();
        var runAligned = false; // the run starts where a match starts, or after \b
        var afterBoundary = false;
        var depth = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            var boundary = false;
            switch (c)
            {
                case '\\':
                    boundary = depth == 0 && i + 1 < pattern.Length && pattern[i + 1] == 'b';
                    Flush(endAligned: boundary);
                    i++;
                    break;
                case '[':
                    Flush();
                    i = SkipClass(pattern, i);
                    break;
                case '(':
                    Flush();
                    depth++;
                    break;
                case ')':
                    Flush();
                    depth--;
                    break;
                case '|' when depth == 0:
                    return null;
                case '?' or '*' or '{':
                    // The character before is optional (or repeated zero times): it is not required.
                    if (run.Length > 0)
                    {
                        run.Length--;
                    }

                    Flush();
                    if (c == '{' && pattern.IndexOf('}', i) is > 0 and var closeBrace)
                    {
                        i = closeBrace; // "{1,3}": the counts are not text
                    }

                    break;
                case '+':
                    Flush();
                    break;
                default:
                    if (depth == 0 && (char.IsAsciiLetterOrDigit(c) || c == ' '))
                    {
                        if (run.Length == 0)
                        {
                            runAligned = i == 0 || afterBoundary;
                        }

                        run.Append(char.ToLowerInvariant(c));
                    }
                    else
                    {
                        Flush();
                    }

                    break;
            }

            afterBoundary = boundary;
        }

        Flush(endAligned: true);
        // Spaces are kept: a literal " my " is as required as "my", and more selective.
        return bestLength >= MinimumLength ? best : null;

        void Flush(bool endAligned = false)
        {
            if (run.Length > bestLength)
            {
                bestLength = run.Length;
                best = Pad(run.ToString(), runAligned, endAligned);
            }

            run.Clear();
        }
    }

    /// <summary>
    /// Sets of literals such that every match contains a member of each set: the required literal (a set of
    /// one) and every top-level group of plain alternatives that is itself required (not followed by
    /// <c>? * {</c>) and whose members are all at least <see cref="MinimumLength"/> long, with the spaces
    /// the pattern writes around the group. A regex need run
    /// only on a text that has a member of every set ("(how|ways) to (kill|hang) (yourself|urself)" needs
    /// "yourself" or "urself", not just " to "). Null when there is none: the regex then runs on every text.
    /// At most 32 sets.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>>? RequiredSets(string pattern)
    {
        var sets = new List<IReadOnlyList<string>>();
        if (RequiredLiteral(pattern) is { } literal)
        {
            sets.Add([literal]);
        }

        var depth = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    i++;
                    break;
                case '[':
                    i = SkipClass(pattern, i);
                    break;
                case '|' when depth == 0:
                    return null;
                case '(' when depth == 0:
                    var close = pattern.IndexOf(')', i + 1);
                    var required = close > 0 && (close + 1 == pattern.Length || pattern[close + 1] is not ('?' or '*' or '{'));
                    var body = close > 0 ? pattern[(i + 1)..close] : string.Empty;
                    if (required && body.Length > 0 && body.All(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '|'))
                    {
                        // A space written before or after the group in the pattern is in every match too:
                        // " all " is far rarer in text than "all" (which is in "small" and "allow").
                        var members = body.ToLowerInvariant().Split('|');
                        // A group that starts or ends the pattern, or sits beside \b, is word-aligned there: a
                        // match starts and ends at a word boundary.
                        var startAligned = i == 0 || pattern[i - 1] == ' ' || (i >= 2 && pattern[i - 2] == '\\' && pattern[i - 1] == 'b');
                        // A space after it counts only when it is not optional: "(kill|hang) ?me" matches "killme".
                        var spaceAfter = close + 1 < pattern.Length && pattern[close + 1] == ' '
                            && (close + 2 == pattern.Length || pattern[close + 2] is not ('?' or '*' or '{'));
                        var endAligned = close + 1 == pattern.Length || spaceAfter
                            || (close + 2 < pattern.Length && pattern[close + 1] == '\\' && pattern[close + 2] == 'b');
                        if (members.Min(m => m.Length) >= MinimumLength && sets.Count < 32)
                        {
                            sets.Add([.. members.Select(m => Pad(m, startAligned, endAligned))]);
                        }
                    }

                    depth++;
                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
            }
        }

        return sets.Count > 0 ? sets : null;
    }

    /// <summary>
    /// For a pattern that is nothing but words and groups of plain alternatives, one space apart
    /// ("(going to|gonna) (kill|stab) (you|u)", "my (dad|mum) (hits|kicks) me"): its steps in order, each the
    /// lower-cased words a match has there. Every match is then one member of each step, one space apart, in
    /// order. Null for anything else (optional or nested groups, classes, escapes, quantifiers, apostrophes,
    /// a top-level alternation, two spaces in a row), whose matches have no such fixed shape.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>>? RigidSteps(string pattern)
    {
        var steps = new List<IReadOnlyList<string>>();
        var i = 0;
        while (i < pattern.Length)
        {
            if (pattern[i] == '(')
            {
                var close = pattern.IndexOf(')', i + 1);
                if (close < 0)
                {
                    return null;
                }

                var members = pattern[(i + 1)..close].Split('|');
                if (!members.All(IsWords))
                {
                    return null;
                }

                steps.Add([.. members.Select(m => m.ToLowerInvariant())]);
                i = close + 1;
            }
            else
            {
                var end = pattern.IndexOf(' ', i);
                end = end < 0 ? pattern.Length : end;
                var word = pattern[i..end];
                if (!IsWords(word))
                {
                    return null;
                }

                steps.Add([word.ToLowerInvariant()]);
                i = end;
            }

            // Steps are one space apart: a space, then the next step (not a space, not the end).
            if (i < pattern.Length && (pattern[i] != ' ' || i + 1 == pattern.Length || pattern[i + 1] == ' '))
            {
                return null;
            }

            i += i < pattern.Length ? 1 : 0;
        }

        return steps.Count > 0 ? steps : null;

        // Letters and digits in words one space apart.
        static bool IsWords(string text) =>
            text.Length > 0 && text[0] != ' ' && text[^1] != ' ' && !text.Contains("  ", StringComparison.Ordinal)
            && text.All(c => char.IsAsciiLetterOrDigit(c) || c == ' ');
    }

    /// <summary>A literal with the spaces that bound it where it is word-aligned (none doubled).</summary>
    private static string Pad(string literal, bool startAligned, bool endAligned) =>
        (startAligned && !literal.StartsWith(' ') ? " " : string.Empty) + literal + (endAligned && !literal.EndsWith(' ') ? " " : string.Empty);

    private static int SkipClass(string pattern, int open)
    {
        for (var i = open + 1; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\')
            {
                i++;
            }
            else if (pattern[i] == ']' && i > open + 1)
            {
                return i;
            }
        }

        return pattern.Length;
    }
}
