namespace AlertPipeline.Detection.Matching;

/// <summary>
/// Reads words a pupil censored with asterisks ("n*****", "f****t", "b*tch") as the list words they can stand for.
/// The normaliser reads an asterisk as a separator (so "s*u*i*c*i*d*e" is spaced letters), which leaves a masked
/// word as a stray letter or two; this reads it whole instead. A masked word is a run of ASCII letters and
/// asterisks, at least <see cref="MinLength"/> long, starting with a letter, with at least one of each, and no
/// letter or digit on either side. It stands for every single-word list entry (whole word, or prefix) whose
/// letters agree with its letters at their places and whose length fits (equal for a word; the prefix no longer
/// than the masked word). A mask is ambiguous by nature, so it is read only when at least three quarters of the
/// words it could stand for share one category, and then as the mildest of them: "n*****" (mostly slurs) is read,
/// "p***y" (a slur or a profanity) and "s***" (a dozen words) are not. See docs/decisions/0004-detection-engine.md.
/// </summary>
internal sealed class MaskedWords
{
    /// <summary>Shortest masked word read: "b*tch" and "f***" are, "a*b" (arithmetic) is not.</summary>
    public const int MinLength = 4;

    private readonly Word[] _words;

    public MaskedWords(IEnumerable<Word> words) =>
        _words = [.. words.Where(w => w.Term.Length >= 3 && w.Term.All(char.IsAsciiLetterLower))];

    /// <summary>A single-word entry a masked word may stand for (<see cref="Term"/> normalised: lower-case a–z).</summary>
    public readonly record struct Word(int Entry, string Term, bool Prefix, string Category, Severity Severity, SourceKinds Sources);

    /// <summary>Whether any list word can be read from a mask at all.</summary>
    public bool IsEmpty => _words.Length == 0;

    /// <summary>
    /// Adds (entry, start, length) to <paramref name="found"/> for each masked word of <paramref name="text"/> that
    /// reads as one entry for <paramref name="source"/>; returns how many were added.
    /// </summary>
    public int Find(string text, SourceKinds source, List<(int Entry, int Start, int Length)> found)
    {
        var added = 0;
        var at = text.IndexOf('*', StringComparison.Ordinal);
        while (at >= 0)
        {
            var start = at;
            while (start > 0 && IsMaskChar(text[start - 1]))
            {
                start--;
            }

            var end = at;
            while (end < text.Length && IsMaskChar(text[end]))
            {
                end++;
            }

            var token = text.AsSpan(start, end - start);
            var bounded = (start == 0 || !char.IsAsciiDigit(text[start - 1])) && (end == text.Length || !char.IsAsciiDigit(text[end]));
            if (bounded && token.Length >= MinLength && char.IsAsciiLetter(token[0]) && Read(token, source) is { } entry)
            {
                found.Add((entry, start, token.Length));
                added++;
            }

            at = end < text.Length ? text.IndexOf('*', end) : -1;
        }

        return added;
    }

    /// <summary>The entry <paramref name="mask"/> is read as, or null when no category has three quarters of its readings.</summary>
    internal int? Read(ReadOnlySpan<char> mask, SourceKinds source)
    {
        Span<int> readings = stackalloc int[Math.Min(_words.Length, 256)];
        var count = 0;
        var total = 0;
        for (var w = 0; w < _words.Length; w++)
        {
            var word = _words[w];
            if ((word.Sources & source) == 0 || !Fits(mask, word))
            {
                continue;
            }

            total++;
            if (count < readings.Length)
            {
                readings[count++] = w;
            }
        }

        if (total == 0 || total > readings.Length)
        {
            return null; // nothing, or so many readings that the mask says nothing
        }

        readings = readings[..count];
        string? category = null;
        var best = 0;
        foreach (var r in readings)
        {
            var c = _words[r].Category;
            var n = 0;
            foreach (var other in readings)
            {
                n += string.Equals(_words[other].Category, c, StringComparison.Ordinal) ? 1 : 0;
            }

            if (n > best)
            {
                (category, best) = (c, n);
            }
        }

        if (best * 4 < total * 3)
        {
            return null;
        }

        Word? mildest = null;
        foreach (var r in readings)
        {
            var word = _words[r];
            if (string.Equals(word.Category, category, StringComparison.Ordinal) && (mildest is null || word.Severity < mildest.Value.Severity))
            {
                mildest = word;
            }
        }

        return mildest!.Value.Entry;
    }

    private static bool IsMaskChar(char c) => c == '*' || char.IsAsciiLetter(c);

    /// <summary>The mask's letters agree with the word's (ignoring case) and its length fits the word.</summary>
    private static bool Fits(ReadOnlySpan<char> mask, Word word)
    {
        var term = word.Term;
        if (word.Prefix ? mask.Length < term.Length : mask.Length != term.Length)
        {
            return false;
        }

        var letters = 0;
        for (var i = 0; i < term.Length; i++)
        {
            if (mask[i] != '*')
            {
                if ((mask[i] | 0x20) != term[i])
                {
                    return false;
                }

                letters++;
            }
        }

        // The word's own part of the mask must show a letter besides asterisks ("f***" for "fuck*" does; the
        // letters of "f***ing" after a four-letter prefix are the pupil's suffix, not the word's).
        return letters > 0 && letters < term.Length;
    }
}
