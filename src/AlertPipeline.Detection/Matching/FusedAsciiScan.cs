using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;

namespace AlertPipeline.Detection.Matching;

/// <summary>
/// The hot path for plain text: normalises and walks the automaton in one loop, writing nothing but hits,
/// for text that is ASCII words, numbers, punctuation and symbols that only separate (emoji, "£"). It
/// produces exactly the hits that <see cref="AhoCorasick.ScanPadded"/> finds in
/// <see cref="Normalization.TextNormalizer"/>'s output, or gives up (returns false) as soon as the text needs
/// what only the full normaliser does: other non-ASCII, leet symbols and URL escapes, stretched letters,
/// spaced-out letters, or a leet word after a digits-only word ("1 w4n7"). Leet digits in a word ("k1ll",
/// a video id "dQw4w9") are read here with the normaliser's rule: a digit run waits until the next letter
/// or the end of its word decides it. See docs/decisions/0004-detection-engine.md.
/// </summary>
internal static class FusedAsciiScan
{
    // Longer digit runs ("1000000000000000000") go to the normaliser rather than a bigger buffer.
    private const int MaxDigitRun = 32;

    /// <summary>
    /// Scans <c>" " + normalise(text) + " "</c> into <paramref name="hits"/>; false when the text needs the full
    /// normaliser (hits are then meaningless). <paramref name="relevant"/> is set when some hit's pattern matters
    /// for <paramref name="source"/> on its own (<paramref name="relevance"/> per pattern; null: every pattern).
    /// </summary>
    public static bool TryScan(ReadOnlySpan<char> text, AhoCorasick automaton, HitList hits, SourceKinds[]? relevance, SourceKinds source, out bool relevant)
    {
        relevant = false;
        var compact = automaton.Compact;
        if (compact is null)
        {
            return false;
        }

        var walk = new Walk(automaton, compact, hits, relevance, source);

        // The padded text starts with a space: a pattern written " word" can start at the first word.
        walk.Step(' ');
        for (var i = 0; i < text.Length; i++)
        {
            int c = text[i];
            var letter = (uint)((c | 0x20) - 'a') <= 'z' - 'a';
            var digit = (uint)(c - '0') <= 9;
            if ((letter || digit) && !walk.InWord)
            {
                // A word starts: a run of ordinary words is read in one go; anything else letter by letter below.
                var end = walk.OrdinaryWords(text, i);
                if (end > i)
                {
                    i = end - 1;
                    continue;
                }

                walk.StartWord();
            }

            if (letter)
            {
                if (walk.DigitRun > 0 && !walk.ResolveDigits(text.Slice(walk.DigitStart, walk.DigitRun), letterFollows: true))
                {
                    return false;
                }

                i = walk.Letters(text, i) - 1;
                continue;
            }

            if (digit)
            {
                if (walk.DigitRun == 0)
                {
                    walk.DigitStart = i;
                }

                if (++walk.DigitRun > MaxDigitRun)
                {
                    return false;
                }

                continue;
            }

            var spaces = 1;
            var spacing = false;
            switch (c)
            {
                case '\'':
                    if (walk.InWord && i + 1 < text.Length)
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

                    if (AfterOneCharWord(text, i))
                    {
                        return false; // "i ' l l", "i.'.l.l": the normaliser drops an apostrophe between spaced letters
                    }

                    break;
                case '$' or '@' or '|':
                    return false;
                case '!':
                    if (i + 1 < text.Length && (char.IsAsciiLetter(text[i + 1]) || text[i + 1] is '$' or '@' or '!' or '|' or '\'' || text[i + 1] >= 128))
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
                case ' ' or '.' or '-' or '_' or '*' or '~' or '+': // TextNormalizer.IsSpacingSeparator's ASCII members
                    spacing = true;
                    break;
                case >= 128:
                    // An emoji or symbol that folds to separators ("😂", "£") is a gap like any other;
                    // anything that folds to letters, or vanishes, is the normaliser's job.
                    spaces = NonAsciiSeparator(text, ref i);
                    if (spaces == 0)
                    {
                        return false;
                    }

                    spacing = true;
                    break;
            }

            if (walk.InWord && !walk.EndWord(text))
            {
                return false;
            }

            walk.GapLength += spaces;
            walk.GapSpacing = spacing;
        }

        if (walk.InWord && !walk.EndWord(text))
        {
            return false;
        }

        walk.Step(' ');
        relevant = walk.Relevant;
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

    /// <summary>
    /// ASCII characters that are nothing but a gap to the scan: not letters or digits, and none of the characters
    /// with rules of their own (<c>' $ @ | ! %</c>). A word followed by one of these (or by the end) ends there.
    /// </summary>
    private static ReadOnlySpan<bool> PlainGap =>
    [
        true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, // 0x00
        true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, // 0x10
        true, false, true, true, false, false, true, false, true, true, true, true, true, true, true, true, // ' ' ! " # $ % & ' ( ) * + , - . /
        false, false, false, false, false, false, false, false, false, false, true, true, true, true, true, true, // 0-9 : ; < = > ?
        false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, // @ A-O
        false, false, false, false, false, false, false, false, false, false, false, true, true, true, true, true, // P-Z [ \ ] ^ _
        true, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, // ` a-o
        false, false, false, false, false, false, false, false, false, false, false, true, false, true, true, true, // p-z { | } ~ DEL
    ];
    /// <summary>The apostrophe at <paramref name="i"/> follows a one-character word, with at most one separator between.</summary>
    private static bool AfterOneCharWord(ReadOnlySpan<char> text, int i)
    {
        var j = i - 1;
        if (j >= 0 && (Normalization.TextNormalizer.IsSpacingSeparator(text[j]) || text[j] >= 128))
        {
            j--;
        }

        return j >= 0 && char.IsAsciiLetterOrDigit(text[j]) && (j == 0 || !char.IsAsciiLetterOrDigit(text[j - 1]));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsLeetDigit(char c) => c is '0' or '1' or '3' or '4' or '5' or '7';

    /// <summary>The automaton walk and what the normaliser's rules need to know about the words read so far.</summary>
    private ref struct Walk
    {
        private readonly AhoCorasick _automaton;
        private readonly ref ushort _table;
        private readonly ref ushort _symbolOf;
        private readonly ref ushort _wordStart;
        private readonly int _afterSpace;
        private readonly bool _afterSpaceQuiet;
        private readonly bool _rootStaysOnLetters;
        private readonly int _shift;
        private readonly int _firstOutput;
        private readonly HitList _hits;
        private readonly SourceKinds[]? _relevance;
        private readonly SourceKinds _source;

        private int _state;
        private int _n; // length of the padded normalised text so far

        // The word being read (letters as the normaliser writes them, leet digits read).
        private int _length;
        private bool _letters;
        private bool _leet;
        private bool _oneChar;
        private char _first;
        private char _previous;
        private int _repeat;
        private bool _triple;
        private int _gapLength;
        private bool _gapSpacing;

        // The words before it.
        private bool _previousLeet;
        private bool _previousPendingDigits; // a digits-only word the normaliser would read as letters if this word is leet
        private int _chainMembers; // one-character words in a row, each after one spacing separator
        private int _chainLetters;

        public Walk(AhoCorasick automaton, ushort[] compact, HitList hits, SourceKinds[]? relevance, SourceKinds source)
        {
            _automaton = automaton;
            _table = ref MemoryMarshal.GetArrayDataReference(compact);
            _symbolOf = ref MemoryMarshal.GetArrayDataReference(automaton.SymbolOf);
            _wordStart = ref MemoryMarshal.GetArrayDataReference(automaton.CompactWordStart!);
            _afterSpace = automaton.CompactAfterSpace;
            _shift = automaton.CompactShift;
            _firstOutput = automaton.CompactFirstOutput;
            _afterSpaceQuiet = _afterSpace < _firstOutput;
            _rootStaysOnLetters = automaton.CompactRootStaysOnLetters;
            _hits = hits;
            _relevance = relevance;
            _source = source;
        }

        public bool InWord { get; private set; }

        /// <summary>Digits read but not yet stepped: the next letter or the word's end decides how they read.</summary>
        public int DigitRun { get; set; }

        public int DigitStart { get; set; }

        public int GapLength { get; set; }

        public bool GapSpacing { get; set; }

        public bool Relevant { get; private set; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step(char c)
        {
            _state = Unsafe.Add(ref _table, (_state << _shift) + Unsafe.Add(ref _symbolOf, c));
            _n++;
            if (_state >= _firstOutput)
            {
                Report();
            }
        }

        /// <summary>
        /// The common case, read without the per-letter bookkeeping: a run of ordinary words from
        /// <paramref name="start"/> (outside a word). An ordinary word is 1 to 15 ASCII letters, or 1 to 15 digits
        /// (not after a leet word), followed by a plain gap (<see cref="PlainGap"/>) or the end, with no letter three
        /// times in a row and not one letter repeated, so neither the stretching, the leet nor the spaced-letter rule
        /// can apply beyond what is kept here (one-character chain members, a digit word's "pending" mark). Each is
        /// stepped through the table only until the walk is back at the root, then jumped over, with its gap.
        /// Returns where the run stops (at the first word that is not ordinary, or the end); <paramref name="start"/>
        /// itself when the first word is not ordinary. Whatever stops it is read by the main loop, letter by letter.
        /// </summary>
        public int OrdinaryWords(ReadOnlySpan<char> text, int start)
        {
            if (!_rootStaysOnLetters)
            {
                return start;
            }

            // Indexes below are checked against text.Length (or by the word's letter mask): no bounds checks.
            ref var chars = ref MemoryMarshal.GetReference(text);
            ref var table = ref _table;
            ref var symbolOf = ref _symbolOf;
            var shift = _shift;
            var firstOutput = _firstOutput;
            var state = _state;
            var n = _n;
            var position = start;
            var words = 0;
            var gapLength = 0;
            var gapSpacing = false;
            var chainMembers = _chainMembers;
            var chainLetters = _chainLetters;
            var pendingDigits = false;
            while (position < text.Length)
            {
                // letters: bit j set when text[position + j] is an ASCII letter; same: bit j set when characters j
                // and j + 1 are equal ignoring case (read only between letters of the word).
                uint letters, same;
                if (Vector256.IsHardwareAccelerated && position + 17 <= text.Length)
                {
                    ref var at = ref Unsafe.As<char, ushort>(ref Unsafe.Add(ref chars, position));
                    var lower = LowerCased(ref at);
                    letters = LetterBits(lower);
                    same = Vector256.Equals(lower, LowerCased(ref Unsafe.Add(ref at, 1))).ExtractMostSignificantBits();
                }
                else if (Vector256.IsHardwareAccelerated && text.Length >= 17)
                {
                    // The last 16 characters, compared with the ones before them, shifted to start at the word: bits
                    // past the end of the text come out 0 (not a letter, no next character).
                    var last = text.Length - 16;
                    ref var at = ref Unsafe.As<char, ushort>(ref Unsafe.Add(ref chars, last));
                    var lower = LowerCased(ref at);
                    var skip = position - last;
                    letters = LetterBits(lower) >> skip;
                    same = (Vector256.Equals(lower, LowerCased(ref Unsafe.Subtract(ref at, 1))).ExtractMostSignificantBits() >> 1) >> skip;
                }
                else
                {
                    (letters, same) = ScalarMasks(text, position);
                }

                int length;
                var isDigits = false;
                var pending = false;
                if ((letters & 1) != 0)
                {
                    length = BitOperations.TrailingZeroCount(~letters);
                    if (length > 15)
                    {
                        break;
                    }
                }
                else
                {
                    // A word of digits only ("9", "2024"). After a leet word the normaliser may read it as letters:
                    // only the main loop knows (inside a run the previous word is never leet).
                    if ((uint)(Unsafe.Add(ref chars, position) - '0') > 9 || (words == 0 && _previousLeet))
                    {
                        break;
                    }

                    var allLeet = true;
                    var groups = 0;
                    length = 0;
                    while (position + length < text.Length && length <= 15 && (uint)(Unsafe.Add(ref chars, position + length) - '0') <= 9)
                    {
                        var digit = Unsafe.Add(ref chars, position + length);
                        allLeet &= IsLeetDigit(digit);
                        groups += length == 0 || digit != Unsafe.Add(ref chars, position + length - 1) ? 1 : 0;
                        length++;
                    }

                    if (length > 15)
                    {
                        break;
                    }

                    isDigits = true;
                    pending = allLeet && groups <= 4; // EndWord's "pending candidate": a leet word after it rereads it
                }

                var end = position + length;
                if (end < text.Length && (Unsafe.Add(ref chars, end) >= 128 || !PlainGap[Unsafe.Add(ref chars, end)]))
                {
                    break;
                }

                if (length == 1)
                {
                    // A one-character word ("I", "a", "9") is a member of a possible spaced-letter run: EndWord's chain
                    // rule, and a second letter member in a chain is the normaliser's job (the main loop gives up).
                    var (gapBefore, spacingBefore) = words > 0 ? (gapLength, gapSpacing) : (GapLength, GapSpacing);
                    var members = chainMembers == 0 || gapBefore != 1 || !spacingBefore ? 0 : chainMembers;
                    var memberLetters = (members == 0 ? 0 : chainLetters) + (isDigits ? 0 : 1);
                    if (memberLetters >= 2 || members >= 3)
                    {
                        break; // two letters, or a fourth member ("1 4 8 8" may be one number): the normaliser's
                    }

                    chainMembers = members + 1;
                    chainLetters = memberLetters;
                }
                else
                {
                    if (!isDigits)
                    {
                        var pairs = (1u << (length - 1)) - 1;
                        same &= pairs;
                        if (same == pairs || (same & (same >> 1)) != 0)
                        {
                            break; // one letter repeated ("aa", a spaced-letter chain member) or three in a row (stretching)
                        }
                    }

                    chainMembers = 0;
                    chainLetters = 0;
                }

                // The space before the word (none before the first word of the text).
                if (n > 1)
                {
                    state = AfterSpace(state);
                    n++;
                    if (state >= firstOutput)
                    {
                        (_state, _n) = (state, n);
                        Report();
                    }
                }

                var i = position;
                if (isDigits)
                {
                    // Digits are symbols like any other: every one is stepped (the root skip is for letters only).
                    for (; i < end; i++)
                    {
                        state = Unsafe.Add(ref table, (state << shift) + Unsafe.Add(ref symbolOf, Unsafe.Add(ref chars, i)));
                        n++;
                        if (state >= firstOutput)
                        {
                            (_state, _n) = (state, n);
                            Report();
                        }
                    }
                }
                else if (state == _afterSpace && length >= 3)
                {
                    // Three independent products rather than a chain of two: the load's address is ready sooner.
                    var index = (((Unsafe.Add(ref chars, i) | 0x20) - 'a') * 676) + (((Unsafe.Add(ref chars, i + 1) | 0x20) - 'a') * 26) + ((Unsafe.Add(ref chars, i + 2) | 0x20) - 'a');
                    var jump = Unsafe.Add(ref _wordStart, index);
                    if (jump != AhoCorasick.WordStartUnknown)
                    {
                        state = jump;
                        n += 3;
                        i += 3;
                    }
                }

                while (i < end && state != 0)
                {
                    state = Unsafe.Add(ref table, (state << shift) + Unsafe.Add(ref symbolOf, Unsafe.Add(ref chars, i) | 0x20));
                    n++;
                    i++;
                    if (state >= firstOutput)
                    {
                        (_state, _n) = (state, n);
                        Report();
                    }
                }

                n += end - i;
                words++;
                pendingDigits = pending;

                // The gap after it, counted as the main loop counts one: a character each; spacing if the last one is.
                position = end;
                while (position < text.Length && Unsafe.Add(ref chars, position) < 128 && PlainGap[Unsafe.Add(ref chars, position)])
                {
                    position++;
                }

                gapLength = position - end;
                gapSpacing = position > end && Normalization.TextNormalizer.IsSpacingSeparator(text[position - 1]);
            }

            if (words > 0)
            {
                (_state, _n) = (state, n);

                // What EndWord leaves after a word of letters or digits only: not leet; digits pending after a digit word.
                _previousLeet = false;
                _previousPendingDigits = pendingDigits;
                _chainMembers = chainMembers;
                _chainLetters = chainLetters;
                GapLength = gapLength;
                GapSpacing = gapSpacing;
            }

            return position;
        }

        /// <summary>16 characters from <paramref name="at"/> with ASCII letters lower-cased (other characters change too; only letters are compared).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<ushort> LowerCased(ref ushort at) => Vector256.LoadUnsafe(ref at) | Vector256.Create((ushort)0x20);

        /// <summary>Bit j set when lower-cased character j is a–z.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static uint LetterBits(Vector256<ushort> lower) =>
            Vector256.LessThanOrEqual(lower - Vector256.Create((ushort)'a'), Vector256.Create((ushort)('z' - 'a'))).ExtractMostSignificantBits();

        /// <summary><see cref="OrdinaryWords"/>' masks without vectors: near the end of the text, or without SIMD.</summary>
        private static (uint Letters, uint Same) ScalarMasks(ReadOnlySpan<char> text, int start)
        {
            uint letters = 0, same = 0;
            var limit = Math.Min(16, text.Length - start);
            for (var j = 0; j < limit; j++)
            {
                var c = text[start + j] | 0x20;
                letters |= (uint)((uint)(c - 'a') <= 'z' - 'a' ? 1 : 0) << j;
                if (j + 1 < limit + (start + limit < text.Length ? 1 : 0))
                {
                    same |= (uint)(c == (text[start + j + 1] | 0x20) ? 1 : 0) << j;
                }
            }

            return (letters, same);
        }

        /// <summary>The state after a space read in <paramref name="state"/>; from the root it is always the same, so no load.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly int AfterSpace(int state) =>
            state == 0 && _afterSpaceQuiet ? _afterSpace : Unsafe.Add(ref _table, (state << _shift) + Unsafe.Add(ref _symbolOf, ' '));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void StartWord()
        {
            if (_n > 1)
            {
                _state = AfterSpace(_state);
                _n++;
                if (_state >= _firstOutput)
                {
                    Report();
                }
            }

            InWord = true;
            _length = 0;
            _letters = false;
            _leet = false;
            _oneChar = true;
            _previous = '\0';
            _repeat = 0;
            _triple = false;
            _gapLength = GapLength;
            _gapSpacing = GapSpacing;
            GapLength = 0;
        }

        /// <summary>
        /// Steps the run of ASCII letters that starts at <paramref name="i"/> and returns where it ends: the
        /// hottest loop, on locals so the walk state stays in registers.
        /// </summary>
        public int Letters(ReadOnlySpan<char> text, int i)
        {
            ref var table = ref _table;
            ref var symbolOf = ref _symbolOf;
            var shift = _shift;
            var firstOutput = _firstOutput;
            var state = _state;
            var n = _n;
            var previous = _previous;
            var repeat = _repeat;
            var triple = _triple;
            var oneChar = _oneChar;
            var length = _length;
            if (length == 0)
            {
                _first = (char)(text[i] | 0x20);
            }

            var first = _first;
            var skipAtRoot = _automaton.CompactRootStaysOnLetters;
            int c;
            while (i < text.Length && (uint)(((c = text[i]) | 0x20) - 'a') <= 'z' - 'a')
            {
                if (state == 0 && skipAtRoot)
                {
                    // Back at the root inside a word, with no pattern starting on a letter: the rest of the
                    // word only needs counting (stretching, one-letter words), not the table.
                    do
                    {
                        c |= 0x20;
                        oneChar &= c == first;
                        repeat = c == previous ? repeat + 1 : 1;
                        triple |= repeat >= 3;
                        previous = (char)c;
                        length++;
                        n++;
                        i++;
                    }
                    while (i < text.Length && (uint)(((c = text[i]) | 0x20) - 'a') <= 'z' - 'a');
                    break;
                }

                c |= 0x20;
                oneChar &= c == first;
                repeat = c == previous ? repeat + 1 : 1;
                triple |= repeat >= 3;
                previous = (char)c;
                length++;
                state = Unsafe.Add(ref table, (state << shift) + Unsafe.Add(ref symbolOf, c));
                n++;
                i++;
                if (state >= firstOutput)
                {
                    _state = state;
                    _n = n;
                    Report();
                }
            }

            _state = state;
            _n = n;
            _previous = previous;
            _repeat = repeat;
            _triple = triple;
            _oneChar = oneChar;
            _length = length;
            _letters = true;
            return i;
        }

        /// <summary>
        /// Steps a finished digit run the way <c>TextNormalizer.LeetWord</c> reads it: leet digits beside letters
        /// become letters when the run is inside the word or at most four digits (a repeated digit once) at its
        /// edge; a digits-only word only when the word before was leet. False when the normaliser would also
        /// rewrite the previous word.
        /// </summary>
        public bool ResolveDigits(ReadOnlySpan<char> digits, bool letterFollows)
        {
            DigitRun = 0;
            var allLeet = true;
            var groups = 0;
            var nine = false;
            var leetOrNine = true;
            var allNines = true;
            for (var k = 0; k < digits.Length; k++)
            {
                allNines &= digits[k] == '9';
                allLeet &= IsLeetDigit(digits[k]);
                nine |= digits[k] == '9';
                leetOrNine &= IsLeetDigit(digits[k]) || digits[k] == '9';
                groups += k == 0 || digits[k] != digits[k - 1] ? 1 : 0;
            }

            var wordHasLetters = _letters || letterFollows;
            if (wordHasLetters && nine && leetOrNine && (groups > 1 || (_leet && !letterFollows) || (_letters && letterFollows && digits.Length >= 2 && allNines)))
            {
                return false; // "93n0c1d3", "n1993r", "k1ll1n9": whether a 9 reads as "g" depends on the rest of the word
            }

            bool map;
            if (wordHasLetters)
            {
                map = allLeet && ((_letters && letterFollows) || groups <= 4);
                if (map && !_leet)
                {
                    _leet = true;
                    if (_previousPendingDigits)
                    {
                        return false; // "1 w4n7": the normaliser reads the "1" as "i" too
                    }
                }
            }
            else
            {
                map = allLeet && groups <= 4 && _previousLeet;
                _leet = map;
            }

            foreach (var d in digits)
            {
                var c = map ? Normalization.TextNormalizer.LeetLetter(d) : d;
                if (map)
                {
                    _letters = true;
                }

                Count(c, letter: map);
                Step(c);
            }

            return true;
        }

        /// <summary>
        /// Ends the word; false when the normaliser would do more than this scan: a letter three times in a row
        /// other than "www" (stretching), or a chain of spaced-run members with two letters ("s u", "a b").
        /// </summary>
        public bool EndWord(ReadOnlySpan<char> text)
        {
            var pureDigits = !_letters && DigitRun > 0 && _length == 0;
            var pendingCandidate = false;
            if (DigitRun > 0)
            {
                var digits = text.Slice(DigitStart, DigitRun);
                if (pureDigits)
                {
                    var allLeet = true;
                    var groups = 0;
                    for (var k = 0; k < digits.Length; k++)
                    {
                        allLeet &= IsLeetDigit(digits[k]);
                        groups += k == 0 || digits[k] != digits[k - 1] ? 1 : 0;
                    }

                    pendingCandidate = allLeet && groups <= 4 && !_previousLeet;
                }

                if (!ResolveDigits(digits, letterFollows: false))
                {
                    return false;
                }
            }

            InWord = false;
            var www = _length == 3 && _oneChar && _first == 'w';
            if (_triple && !www)
            {
                return false;
            }

            _previousLeet = _leet;
            _previousPendingDigits = pendingCandidate;

            // TextNormalizer's run members: one letter or digit, or one letter repeated (up to six, not "www").
            var member = _length == 1 || (_letters && _oneChar && _length <= 6 && !www);
            if (!member)
            {
                _chainMembers = 0;
                _chainLetters = 0;
                return true;
            }

            if (_chainMembers == 0 || _gapLength != 1 || !_gapSpacing)
            {
                _chainMembers = 0;
                _chainLetters = 0;
            }

            _chainMembers++;
            _chainLetters += char.IsAsciiLetter(_first) ? 1 : 0;
            return _chainLetters < 2 && _chainMembers < 4;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Count(char c, bool letter)
        {
            if (_length == 0)
            {
                _first = c;
            }

            _oneChar &= c == _first;
            _repeat = c == _previous ? _repeat + 1 : 1;
            _triple |= letter && _repeat >= 3; // "2000" is a number, not stretching
            _previous = c;
            _length++;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void Report()
        {
            var any = _relevance is null;
            foreach (var pattern in _automaton.OutputsOf(_automaton.CompactState![_state]))
            {
                _hits.Add(pattern, _n);
                any |= _relevance is not null && (_relevance[pattern] & _source) != 0;
            }

            Relevant |= any;
        }
    }
}
