using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlertPipeline.Detection.Matching;

/// <summary>
/// The hot path for plain text: normalises and walks the automaton in one loop, writing nothing but hits,
/// for text that is ASCII words, numbers and punctuation. It produces exactly the hits that
/// <see cref="AhoCorasick.Scan"/> finds in <see cref="Normalization.TextNormalizer"/>'s output, or gives up
/// (returns false) as soon as the text needs anything the normaliser does beyond lower-casing and collapsing
/// separators: non-ASCII, a word mixing letters and digits (leet), leet symbols and URL escapes, a letter
/// three times in a row (stretching), two one-character words in a row (spaced letters). The caller then runs
/// the full normaliser. See docs/decisions/0004-detection-engine.md.
/// </summary>
internal static class FusedAsciiScan
{
    /// <summary>
    /// Scans <c>" " + normalise(text) + " "</c> (see <see cref="AhoCorasick.ScanPadded"/>) into <paramref name="hits"/>;
    /// false when the text needs the full normaliser (hits are then meaningless). <paramref name="relevant"/>
    /// is set when some hit's pattern matters for <paramref name="source"/> on its own (<paramref name="relevance"/>
    /// per pattern; a pattern that is only a context term or an allow phrase cannot make a match by itself).
    /// </summary>
    public static bool TryScan(ReadOnlySpan<char> text, AhoCorasick automaton, HitList hits, SourceKinds[]? relevance, SourceKinds source, out bool relevant)
    {
        relevant = false;
        var compact = automaton.Compact;
        if (compact is null)
        {
            return false;
        }

        ref var table = ref MemoryMarshal.GetArrayDataReference(compact);
        ref var symbolOf = ref MemoryMarshal.GetArrayDataReference(automaton.SymbolOf);
        var shift = automaton.CompactShift;
        var firstOutput = automaton.CompactFirstOutput;
        var space = Unsafe.Add(ref symbolOf, ' ');

        // The padded text starts with a space: every pattern written " word" can start at the first word.
        var state = 0;
        var n = 1; // length of the padded normalised text so far
        state = Unsafe.Add(ref table, space);
        if (state >= firstOutput)
        {
            relevant |= Report(automaton, state, n, hits, relevance, source);
        }

        // The word being read.
        var inWord = false;
        var wordLength = 0;
        var wordLetters = false;
        var wordOneChar = true; // every character so far equals the first
        var first = '\0';
        var previous = '\0';
        var repeat = 0;
        var triple = false;
        var inDigitRun = false;
        var digitRunLeetOnly = false;

        // What came before it.
        var chainMembers = 0; // one-character words in a row, each after one spacing separator
        var chainLetters = 0;
        var gapLength = 0;
        var gapSpacing = false;
        var wordGapLength = 0;
        var wordGapSpacing = false;

        for (var i = 0; i < text.Length; i++)
        {
            int c = text[i];
            bool letter;
            if ((uint)((c | 0x20) - 'a') <= 'z' - 'a')
            {
                c |= 0x20;
                letter = true;
            }
            else if ((uint)(c - '0') <= 9)
            {
                letter = false;
            }
            else
            {
                if (c >= 128)
                {
                    // An emoji or symbol that folds to separators ("😂", "£") is a gap like any other;
                    // anything that folds to letters, or vanishes, is the normaliser's job.
                    var spaces = NonAsciiSeparator(text, ref i);
                    if (spaces == 0)
                    {
                        return false;
                    }

                    if (inWord)
                    {
                        if (!EndWord(wordLength, wordLetters, wordOneChar, triple, wordLetters && inDigitRun && digitRunLeetOnly, first, wordGapLength, wordGapSpacing, ref chainMembers, ref chainLetters))
                        {
                            return false;
                        }

                        inWord = false;
                    }

                    gapLength += spaces;
                    gapSpacing = true;
                    continue;
                }

                switch (c)
                {
                    case '\'':
                        if (inWord && i + 1 < text.Length)
                        {
                            var next = text[i + 1];
                            if (char.IsAsciiLetter(next))
                            {
                                continue; // "don't" → "dont": the word goes on
                            }

                            if (next >= 128 || char.IsAsciiDigit(next))
                            {
                                return false;
                            }
                        }

                        break;
                    case '$' or '@' or '|':
                        return false;
                    case '!':
                        if (i + 1 < text.Length && (char.IsAsciiLetter(text[i + 1]) || text[i + 1] is '$' or '@' or '!' or '|' || text[i + 1] >= 128))
                        {
                            return false;
                        }

                        break;
                    case '%':
                        if (i + 2 < text.Length && char.IsAsciiHexDigit(text[i + 1]) && char.IsAsciiHexDigit(text[i + 2]))
                        {
                            return false;
                        }

                        break;
                }

                // A separator.
                if (inWord)
                {
                    if (!EndWord(wordLength, wordLetters, wordOneChar, triple, wordLetters && inDigitRun && digitRunLeetOnly, first, wordGapLength, wordGapSpacing, ref chainMembers, ref chainLetters))
                    {
                        return false;
                    }

                    inWord = false;
                }

                gapLength++;
                gapSpacing = c is ' ' or '.' or '-' or '_' or '*' or '~' or '+';
                continue;
            }

            if (!inWord)
            {
                if (n > 1)
                {
                    state = Unsafe.Add(ref table, (state << shift) + space);
                    n++;
                    if (state >= firstOutput)
                    {
                        relevant |= Report(automaton, state, n, hits, relevance, source);
                    }
                }

                inWord = true;
                wordLength = 0;
                wordLetters = false;
                wordOneChar = true;
                first = (char)c;
                previous = '\0';
                repeat = 0;
                triple = false;
                inDigitRun = false;
                wordGapLength = gapLength;
                wordGapSpacing = gapSpacing;
                gapLength = 0;
            }

            if (letter)
            {
                if (inDigitRun && digitRunLeetOnly)
                {
                    return false; // "5ex", "k1ll": leet digits beside letters are read as letters
                }

                inDigitRun = false;
            }
            else
            {
                digitRunLeetOnly = (!inDigitRun || digitRunLeetOnly) && c is '0' or '1' or '3' or '4' or '5' or '7';
                inDigitRun = true;
            }

            wordLetters |= letter;
            wordOneChar &= c == first;
            repeat = c == previous ? repeat + 1 : 1;
            triple |= letter && repeat >= 3; // "2000" is a number, not stretching
            previous = (char)c;
            wordLength++;

            state = Unsafe.Add(ref table, (state << shift) + Unsafe.Add(ref symbolOf, c));
            n++;
            if (state >= firstOutput)
            {
                relevant |= Report(automaton, state, n, hits, relevance, source);
            }
        }

        if (inWord && !EndWord(wordLength, wordLetters, wordOneChar, triple, wordLetters && inDigitRun && digitRunLeetOnly, first, wordGapLength, wordGapSpacing, ref chainMembers, ref chainLetters))
        {
            return false;
        }

        // The closing pad.
        state = Unsafe.Add(ref table, (state << shift) + space);
        if (state >= firstOutput)
        {
            relevant |= Report(automaton, state, n + 1, hits, relevance, source);
        }

        return true;
    }

    /// <summary>How many separators the non-ASCII character at <paramref name="i"/> folds to (0: it is not only separators); steps over a surrogate pair.</summary>
    private static int NonAsciiSeparator(ReadOnlySpan<char> text, ref int i)
    {
        int cp = text[i];
        var width = 1;
        if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            cp = char.ConvertToUtf32(text[i], text[i + 1]);
            width = 2;
        }

        if (cp == '\u20AC')
        {
            return 0; // '€' may be a leet e
        }

        var fold = Normalization.CharFolding.Fold(cp);
        if (fold.Length == 0 || fold.AsSpan().ContainsAnyExcept(' '))
        {
            return 0;
        }

        i += width - 1;
        return fold.Length;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool Report(AhoCorasick automaton, int state, int end, HitList hits, SourceKinds[]? relevance, SourceKinds source)
    {
        var relevant = relevance is null;
        foreach (var pattern in automaton.OutputsOf(automaton.CompactState![state]))
        {
            hits.Add(pattern, end);
            relevant |= relevance is not null && (relevance[pattern] & source) != 0;
        }

        return relevant;
    }

    /// <summary>
    /// False when the word just read needs the full normaliser: it ends in leet digits ("ex5"), has a letter
    /// three times in a row other than "www" (stretching), or makes a chain of spaced-run members with two
    /// letters ("s u", "a b"), which the normaliser might join. Digits and lone letters ("a 9") are fine.
    /// </summary>
    private static bool EndWord(int length, bool letters, bool oneChar, bool triple, bool leetEnd, char first, int gapLength, bool gapSpacing,
        ref int chainMembers, ref int chainLetters)
    {
        var www = length == 3 && oneChar && first == 'w';
        if (leetEnd || (triple && !www))
        {
            return false;
        }

        // TextNormalizer's run members: one letter or digit, or one letter repeated (up to six, not "www").
        var member = length == 1 || (letters && oneChar && length <= 6 && !www);
        if (!member)
        {
            chainMembers = 0;
            chainLetters = 0;
            return true;
        }

        if (chainMembers == 0 || gapLength != 1 || !gapSpacing)
        {
            chainMembers = 0;
            chainLetters = 0;
        }

        chainMembers++;
        chainLetters += letters ? 1 : 0;
        return chainLetters < 2;
    }
}
