using System.Text;

namespace AlertPipeline.Detection.Matching;

/// <summary>
/// Finds a literal that every match of a list regex must contain, so the regex runs only on texts where
/// the Aho-Corasick pass saw that literal. Conservative: any construct it does not understand ends the
/// literal, and a top-level alternation means "no literal" (the regex then runs on every text).
/// </summary>
internal static class RegexPrefilter
{
    public const int MinimumLength = 3;

    public static string? RequiredLiteral(string pattern)
    {
        var best = string.Empty;
        var run = new StringBuilder();
        var depth = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '\\':
                    Flush();
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
                    break;
                case '+':
                    Flush();
                    break;
                default:
                    if (depth == 0 && (char.IsAsciiLetterOrDigit(c) || c == ' '))
                    {
                        run.Append(char.ToLowerInvariant(c));
                    }
                    else
                    {
                        Flush();
                    }

                    break;
            }
        }

        Flush();
        // Spaces are kept: a literal " my " is as required as "my", and more selective.
        return best.Length >= MinimumLength ? best : null;

        void Flush()
        {
            if (run.Length > best.Length)
            {
                best = run.ToString();
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
                        var before = i > 0 && pattern[i - 1] == ' ' ? " " : string.Empty;
                        var after = close + 1 < pattern.Length && pattern[close + 1] == ' ' ? " " : string.Empty;
                        if (members.Min(m => m.Length) >= MinimumLength && sets.Count < 32)
                        {
                            sets.Add([.. members.Select(m => before + m + after)]);
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
