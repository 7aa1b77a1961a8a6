namespace AlertPipeline.Detection.Matching;

/// <summary>
/// Reads words a pupil censored with asterisks ("n*****", "f****t", "b*tch") as the list words they can stand for.
/// The normaliser reads an asterisk as a separator (so "s*u*i*c*i*d*e" is spaced letters), which leaves a masked
/// word as a stray letter or two; this reads it whole instead. A masked word is a run of ASCII letters and
/// asterisks, at least <see cref="MinLength"/> long, starting with a letter, with at least one of each, and no
/// letter or digit on either side; an emoji with a letter on each side masks a letter too ("n🍑des"). It stands for every single-word list entry (whole word, or prefix) whose
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

    // Words of the lists' phrases ("kill" of "kill myself"), by length, for reading a mask inside a phrase (Unmask).
    private readonly string[][] _phraseWords;

    /// <param name="words">Single-word entries a mask on its own may stand for.</param>
    /// <param name="phraseWords">Words of multi-word patterns (terms, context terms, allow phrases) a mask inside a phrase may stand for.</param>
    public MaskedWords(IEnumerable<Word> words, IEnumerable<string>? phraseWords = null)
    {
        _words = [.. words.Where(w => w.Term.Length >= 3 && w.Term.All(char.IsAsciiLetterLower))];
        var byLength = (phraseWords ?? [])
            .Where(w => w.Length is >= MinLength and <= MaxLength && w.All(char.IsAsciiLetterLower))
            .Distinct(StringComparer.Ordinal)
            .ToLookup(w => w.Length);
        _phraseWords = [.. Enumerable.Range(0, MaxLength + 1).Select(n => byLength[n].Order(StringComparer.Ordinal).ToArray())];
        IsEmpty = _words.Length == 0 && _phraseWords.All(w => w.Length == 0);
    }

    /// <summary>
    /// The text with each masked word that fits exactly one word of the lists' phrases written out ("i want to k*ll
    /// myself" → "i want to kill myself"), or null when there is none. Only asterisks are filled, one letter each, so
    /// every character keeps its place and offsets into the result are offsets into the text. A mask must show at
    /// least two letters for each asterisk ("k*ll", "m*s*lf"; not "k**l" or "s***"), since it is read without the
    /// category check that <see cref="Read"/> makes.
    /// </summary>
    public string? Unmask(string text)
    {
        var star = text.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
        {
            return null;
        }

        char[]? output = null;
        while (star >= 0)
        {
            var start = star;
            while (start > 0 && (char.IsAsciiLetter(text[start - 1]) || text[start - 1] == '*'))
            {
                start--;
            }

            var end = star;
            while (end < text.Length && (char.IsAsciiLetter(text[end]) || text[end] == '*'))
            {
                end++;
            }

            var word = text.AsSpan(start, end - start);
            var masks = word.Count('*');
            var bounded = (start == 0 || !char.IsAsciiDigit(text[start - 1])) && (end == text.Length || !char.IsAsciiDigit(text[end]));
            if (bounded && word.Length is >= MinLength and <= MaxLength && (word.Length - masks) >= 2 * masks && ReadInPhrase(word) is { } reading)
            {
                output ??= text.ToCharArray();
                for (var k = 0; k < word.Length; k++)
                {
                    if (word[k] == '*')
                    {
                        output[start + k] = reading[k];
                    }
                }
            }

            star = end < text.Length ? text.IndexOf('*', end) : -1;
        }

        return output is null ? null : new string(output);
    }

    /// <summary>The one phrase word the mask fits (its letters at their places, same length), or null.</summary>
    private string? ReadInPhrase(ReadOnlySpan<char> mask)
    {
        string? found = null;
        foreach (var word in _phraseWords[mask.Length])
        {
            if (LettersAgree(mask, word, out _))
            {
                if (found is not null)
                {
                    return null; // two readings: the mask says nothing
                }

                found = word;
            }
        }

        return found;
    }

    /// <summary>A single-word entry a masked word may stand for (<see cref="Term"/> normalised: lower-case a–z).</summary>
    public readonly record struct Word(int Entry, string Term, bool Prefix, string Category, Severity Severity, SourceKinds Sources);

    /// <summary>Whether any list word can be read from a mask at all.</summary>
    public bool IsEmpty { get; }

    // An asterisk, or the first half of an emoji (U+1F000–U+1FBFF: the surrogates D83C–D83E): one vectorised search.
    private static readonly System.Buffers.SearchValues<char> Markers = System.Buffers.SearchValues.Create("*\uD83C\uD83D\uD83E");

    /// <summary>
    /// Adds (entry, start, length) to <paramref name="found"/> for each masked word of <paramref name="text"/> that
    /// reads as one entry for <paramref name="source"/>; returns how many were added. An emoji with a letter on each
    /// side ("n🍑des") masks one letter like an asterisk.
    /// </summary>
    public int Find(string text, SourceKinds source, List<(int Entry, int Start, int Length)> found)
    {
        // Only the runs of letters, asterisks and surrogates around each marker are read: the cost is in the markers,
        // not the length of the text.
        var added = 0;
        var at = NextMarker(text, 0);
        while (at >= 0)
        {
            if (text[at] != '*' && (at == 0 || !char.IsAsciiLetter(text[at - 1]) || at + 2 >= text.Length || !char.IsAsciiLetter(text[at + 2])))
            {
                at = NextMarker(text, at + 1); // an emoji not between two letters masks nothing
                continue;
            }

            var start = at;
            while (start > 0 && IsRunChar(text[start - 1]))
            {
                start--;
            }

            var end = at;
            while (end < text.Length && IsRunChar(text[end]))
            {
                end++;
            }

            added += FindInRun(text, start, end, source, found);
            at = NextMarker(text, end);
        }

        return added;
    }

    private static int NextMarker(string text, int from)
    {
        if (from >= text.Length)
        {
            return -1;
        }

        var next = text.AsSpan(from).IndexOfAny(Markers);
        return next < 0 ? -1 : from + next;
    }

    private static bool IsRunChar(char c) => char.IsAsciiLetter(c) || c == '*' || char.IsSurrogate(c);

    /// <summary>The masked words of <c>text[start..end)</c>, a run of letters, asterisks and surrogates.</summary>
    private int FindInRun(string text, int start, int end, SourceKinds source, List<(int Entry, int Start, int Length)> found)
    {
        var added = 0;
        Span<char> mask = stackalloc char[MaxLength];
        var i = start;
        while (i < end)
        {
            if (!char.IsAsciiLetter(text[i]) || (i > 0 && IsWordChar(text, i - 1)))
            {
                i++;
                continue;
            }

            // A word from a letter: letters, asterisks, and emoji between two letters.
            var wordStart = i;
            var length = 0;
            var masks = 0;
            while (i < end)
            {
                int width;
                if (char.IsAsciiLetter(text[i]) || text[i] == '*')
                {
                    width = 1;
                }
                else if (char.IsHighSurrogate(text[i]) && i + 2 < end && char.IsLowSurrogate(text[i + 1]) && char.IsAsciiLetter(text[i + 2])
                    && char.IsAsciiLetter(text[i - 1]))
                {
                    width = 2;
                }
                else
                {
                    break;
                }

                if (length < MaxLength)
                {
                    var masked = width == 2 || text[i] == '*';
                    mask[length] = masked ? '*' : (char)(text[i] | 0x20);
                    masks += masked ? 1 : 0;
                }

                length++;
                i += width;
            }

            var bounded = i == text.Length || !char.IsAsciiDigit(text[i]);
            if (bounded && masks > 0 && masks < length && length is >= MinLength and <= MaxLength && Read(mask[..length], source) is { } entry)
            {
                found.Add((entry, wordStart, i - wordStart));
                added++;
            }
        }

        return added;
    }

    /// <summary>Longest masked word read.</summary>
    private const int MaxLength = 32;

    private static bool IsWordChar(string text, int i) => char.IsAsciiLetterOrDigit(text[i]) || text[i] == '*';

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

    /// <summary>The mask's letters agree with the word's (ignoring case) and its length fits the word.</summary>
    private static bool Fits(ReadOnlySpan<char> mask, Word word)
    {
        var term = word.Term;
        if (word.Prefix ? mask.Length < term.Length : mask.Length != term.Length)
        {
            return false;
        }

        // The word's own part of the mask must show a letter besides asterisks ("f***" for "fuck*" does; the
        // letters of "f***ing" after a four-letter prefix are the pupil's suffix, not the word's).
        return LettersAgree(mask, term, out var letters) && letters > 0 && letters < term.Length;
    }

    /// <summary>
    /// Whether each letter of the mask's first <c>term.Length</c> characters is the term's letter at that place
    /// (ignoring case; an asterisk agrees with any), and how many letters there were.
    /// </summary>
    private static bool LettersAgree(ReadOnlySpan<char> mask, string term, out int letters)
    {
        letters = 0;
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

        return true;
    }
}
