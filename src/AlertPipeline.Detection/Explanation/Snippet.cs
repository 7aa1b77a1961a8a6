using System.Buffers;
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

    // Shown as a space: what char.IsControl accepts (U+0000–U+001F, U+007F–U+009F) and the line and paragraph separators.
    private static readonly SearchValues<char> Blanked = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c), '\u2028', '\u2029']);

    /// <summary>
    /// The snippet of <paramref name="text"/> around <paramref name="spans"/> (start and length in the text; the list is
    /// reordered and overwritten with the merged spans as start and end). <paramref name="builder"/> is scratch space.
    /// </summary>
    public static string Build(string text, List<(int Start, int Length)> spans, StringBuilder builder)
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

        builder.Clear();
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

    /// <summary>
    /// Sorts the spans by start and merges those that touch or overlap, in place: the same list comes back holding
    /// start and end. (Among spans with the same start the order does not matter: they merge to the longest.)
    /// </summary>
    private static List<(int Start, int End)> Merge(List<(int Start, int Length)> spans)
    {
        spans.RemoveAll(x => x.Length <= 0);
        spans.Sort((a, b) => a.Start.CompareTo(b.Start));
        List<(int Start, int End)> merged = spans;
        var count = 0;
        for (var i = 0; i < spans.Count; i++)
        {
            var (s, l) = spans[i];
            if (count > 0 && s <= merged[count - 1].End)
            {
                merged[count - 1] = (merged[count - 1].Start, Math.Max(merged[count - 1].End, s + l));
            }
            else
            {
                merged[count++] = (s, s + l);
            }
        }

        merged.RemoveRange(count, merged.Count - count);
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

    /// <summary>Copies text[from..to) with control characters and line or paragraph separators shown as spaces.</summary>
    private static void Append(StringBuilder builder, string text, int from, int to)
    {
        var rest = to > from ? text.AsSpan(from, to - from) : [];
        while (!rest.IsEmpty)
        {
            var blank = rest.IndexOfAny(Blanked);
            if (blank < 0)
            {
                builder.Append(rest);
                return;
            }

            builder.Append(rest[..blank]).Append(' ');
            rest = rest[(blank + 1)..];
        }
    }
}
