using System.Text;

namespace AlertPipeline.Detection.Explanation;

/// <summary>
/// A short extract of the original text with matches in brackets ("… how many [paracetamol] to …"),
/// for alert e-mails and the triage list where the full text may be long or sensitive.
/// At most <see cref="MaxLength"/> characters, ellipses and brackets included.
/// </summary>
internal static class Snippet
{
    public const int MaxLength = 200;

    // Context kept before the first match when the text has to be cut.
    private const int Lead = 60;
    private const char Ellipsis = '…';

    public static string Build(string text, IEnumerable<(int Start, int Length)> spans)
    {
        var merged = Merge(spans);
        if (merged.Count == 0)
        {
            return string.Empty;
        }

        var start = SnapToWord(text, Math.Max(0, merged[0].Start - Lead), merged[0].Start);
        var budget = MaxLength - (start > 0 ? 1 : 0);
        var (end, spanCount, reachedEnd) = Walk(text, merged, start, budget);
        if (!reachedEnd)
        {
            (end, spanCount, _) = Walk(text, merged, start, budget - 1);
        }

        var builder = new StringBuilder(MaxLength);
        if (start > 0)
        {
            builder.Append(Ellipsis);
        }

        if (spanCount == 0 && end <= merged[0].Start)
        {
            // The first match alone is longer than the snippet: show its head.
            var head = Math.Max(0, budget - 1 - 2 - (merged[0].Start - start));
            Append(builder, text, start, merged[0].Start);
            builder.Append('[');
            Append(builder, text, merged[0].Start, merged[0].Start + head);
            builder.Append(']').Append(Ellipsis);
            return builder.ToString();
        }

        var pos = start;
        for (var k = 0; k < spanCount; k++)
        {
            Append(builder, text, pos, merged[k].Start);
            builder.Append('[');
            Append(builder, text, merged[k].Start, merged[k].End);
            builder.Append(']');
            pos = merged[k].End;
        }

        Append(builder, text, pos, end);
        if (end < text.Length)
        {
            builder.Append(Ellipsis);
        }

        return builder.ToString();
    }

    /// <summary>How far from <paramref name="start"/> the text fits in <paramref name="budget"/> characters, brackets counted.</summary>
    private static (int End, int Spans, bool ReachedEnd) Walk(string text, List<(int Start, int End)> merged, int start, int budget)
    {
        var cost = 0;
        var pos = start;
        var k = 0;
        while (pos < text.Length)
        {
            if (k < merged.Count && merged[k].Start == pos)
            {
                var spanCost = merged[k].End - merged[k].Start + 2;
                if (cost + spanCost > budget)
                {
                    return (pos, k, false);
                }

                cost += spanCost;
                pos = merged[k].End;
                k++;
                continue;
            }

            if (cost + 1 > budget)
            {
                return (pos, k, false);
            }

            cost++;
            pos++;
        }

        return (pos, k, true);
    }

    private static List<(int Start, int End)> Merge(IEnumerable<(int Start, int Length)> spans)
    {
        var merged = new List<(int Start, int End)>();
        foreach (var (s, l) in spans.Where(x => x.Length > 0).OrderBy(x => x.Start))
        {
            if (merged.Count > 0 && s <= merged[^1].End)
            {
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, s + l));
            }
            else
            {
                merged.Add((s, s + l));
            }
        }

        return merged;
    }

    /// <summary>Starts the cut at a word boundary when one is near, so the snippet does not open mid-word.</summary>
    private static int SnapToWord(string text, int start, int limit)
    {
        for (var i = start; i > 0 && i < limit && i < start + 15; i++)
        {
            if (char.IsWhiteSpace(text[i - 1]))
            {
                return i;
            }
        }

        return start;
    }

    private static void Append(StringBuilder builder, string text, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            var c = text[i];
            builder.Append(char.IsControl(c) || c is '\u2028' or '\u2029' ? ' ' : c);
        }
    }
}
