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
