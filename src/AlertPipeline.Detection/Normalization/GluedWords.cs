namespace AlertPipeline.Detection.Normalization;

/// <summary>
/// Reads letter-by-letter glued runs back into words. A pupil who types a whole sentence one letter at a time
/// ("h_o_w_m_a_n_y_p_i_l_l_s_t_o_d_i_e") leaves the normaliser one long word ("howmanypillstodie") with a join
/// point between every two letters, so no list word, phrase or regex has its word boundaries. This splits such a
/// run into the fewest known words (an English dictionary and every word of the lists), the way a reader would:
/// "how many pills to die". The detector scans the split text as one more variant.
/// </summary>
/// <remarks>
/// Only runs the normaliser joined at every letter, of <see cref="MinRunLetters"/> letters or more, between word
/// boundaries, are split: a spaced-out word ("s u i c i d e") is one known word and stays whole, and ordinary
/// words are never touched. Fewest words first, so "therapist" stays one word rather than "the rapist"; between
/// readings with as many words, the one with more of the lists' words ("faggots and peas", an allow phrase, not
/// "faggot sand peas"); letters that begin no known word are kept together as one unknown word. See docs/decisions/0004-detection-engine.md.
/// </remarks>
internal sealed class GluedWords
{
    /// <summary>Shorter joined runs are left alone.</summary>
    public const int MinRunLetters = 6;

    // Longer runs are left alone (the split is quadratic in neither, but a run this long is not a sentence).
    private const int MaxRunLetters = 240;
    private const int MaxWordLength = 24;
    private const int WordCost = 10;
    private const int ListWordCost = 9; // between two readings with as many words, the one with more list words
    private const int CommonWordCost = 8; // and before that, the one with more of the commonest words ("and", not "sand")
    private const int UnknownLetterCost = 25;

    // The commonest English words (function words and the like): "faggots and peas", not "faggot sand peas".
    private static readonly HashSet<string> Common = new(
        ("the of and to in is you that it he was for on are as with his they at be this have from or one had by but not " +
         "what all were we when your can said there an each which she do how their if will up other about out many then " +
         "them these so some her would make like him into time has two more go see no way could people my than first been " +
         "who its now long down day did get come made may part over new after also back any our just know take year only " +
         "good give most very even well because me us am im dont cant wont off too much where why here").Split(' '),
        StringComparer.Ordinal);

    /// <summary>One of the commonest English words ("the", "how", "im").</summary>
    internal static bool IsCommon(string word) => Common.Contains(word);

    private static readonly Lazy<HashSet<string>> English = new(LoadEnglish, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _english;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _common = Common.GetAlternateLookup<ReadOnlySpan<char>>();
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _listWords;

    /// <param name="listWords">Words of the lists' normalised terms, phrases, groups and allow phrases.</param>
    public GluedWords(IEnumerable<string> listWords)
    {
        _english = English.Value.GetAlternateLookup<ReadOnlySpan<char>>();
        var own = new HashSet<string>(StringComparer.Ordinal);
        foreach (var phrase in listWords)
        {
            foreach (var word in phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (word.Length >= 2 && word.Length <= MaxWordLength && word.All(char.IsAsciiLetterLower))
                {
                    own.Add(word);
                }
            }
        }

        _listWords = own.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The built-in English dictionary (seeds/dictionary/english-words.txt).</summary>
    public static IReadOnlyCollection<string> Dictionary => English.Value;

    /// <summary>What reading <paramref name="word"/> as one word costs (0: not a word the split may use: "a", "i", a dictionary or list word).</summary>
    private int Cost(ReadOnlySpan<char> word) =>
        word.Length == 1 ? (word[0] is 'a' or 'i' ? CommonWordCost : 0)
        : _common.Contains(word) ? CommonWordCost
        : _listWords.Contains(word) ? ListWordCost
        : _english.Contains(word) ? WordCost
        : 0;

    /// <summary>
    /// Fills <paramref name="points"/> with the positions in <paramref name="buffer"/> where a space splits its glued
    /// runs into words (for <see cref="TextNormalizer.Split(NormalizedBuffer, NormalizedBuffer, List{int}, bool)"/>);
    /// false when there is nothing to split.
    /// </summary>
    public bool FindSplitPoints(NormalizedBuffer buffer, List<int> points)
    {
        points.Clear();
        if (!buffer.HasJoins)
        {
            return false;
        }

        var text = buffer.Text;
        for (var k = 1; k < text.Length; k++)
        {
            if (!buffer.IsJoinedAt(k) || !char.IsAsciiLetterLower(text[k - 1]) || !char.IsAsciiLetterLower(text[k]))
            {
                continue;
            }

            var start = k - 1;
            var end = k + 1;
            while (end < text.Length && buffer.IsJoinedAt(end) && char.IsAsciiLetterLower(text[end]))
            {
                end++;
            }

            var boundedBefore = start == 0 || !char.IsLetterOrDigit(text[start - 1]);
            var boundedAfter = end == text.Length || !char.IsLetterOrDigit(text[end]);
            if (boundedBefore && boundedAfter && end - start >= MinRunLetters && end - start <= MaxRunLetters)
            {
                Split(text[start..end], start, points);
            }

            k = end;
        }

        return points.Count > 0;
    }

    /// <summary>The fewest-words reading of one run; adds its inner word boundaries (offset by <paramref name="at"/>).</summary>
    private void Split(ReadOnlySpan<char> run, int at, List<int> points)
    {
        var n = run.Length;
        Span<int> cost = stackalloc int[n + 1];
        Span<byte> length = stackalloc byte[n + 1];
        Span<bool> known = stackalloc bool[n + 1];
        cost[0] = 0;
        for (var i = 1; i <= n; i++)
        {
            cost[i] = int.MaxValue;

            // Longest first, and only a strictly cheaper reading replaces one: ties go to longer words.
            for (var len = Math.Min(i, MaxWordLength); len >= 1; len--)
            {
                var wordCost = Cost(run.Slice(i - len, len));
                var word = wordCost > 0;
                if (!word && len > 1)
                {
                    continue;
                }

                var c = cost[i - len] + (word ? wordCost : UnknownLetterCost);
                if (c < cost[i])
                {
                    cost[i] = c;
                    length[i] = (byte)len;
                    known[i] = word;
                }
            }
        }

        // Walk back from the end; a boundary between two unknown letters is not one (they stay one unknown word).
        var start = points.Count;
        var end = n;
        var nextKnown = true;
        while (end > 0)
        {
            var begin = end - length[end];
            if (end < n && (known[end] || nextKnown))
            {
                points.Add(at + end);
            }

            nextKnown = known[end];
            end = begin;
        }

        points.Reverse(start, points.Count - start);
    }

    private static HashSet<string> LoadEnglish()
    {
        using var stream = typeof(GluedWords).Assembly.GetManifestResourceStream("english-words.txt")
            ?? throw new InvalidOperationException("The embedded English dictionary (english-words.txt) is missing from " + typeof(GluedWords).Assembly.GetName().Name);
        using var reader = new StreamReader(stream);
        var words = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                words.Add(line);
            }
        }

        return words;
    }
}
