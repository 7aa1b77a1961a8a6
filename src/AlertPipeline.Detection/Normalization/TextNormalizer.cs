namespace AlertPipeline.Detection.Normalization;

/// <summary>
/// Turns text into the form keywords are matched against, keeping an offset map back to the original.
/// See docs/decisions/0004-detection-engine.md for the order of the steps and the boundary rule:
/// words are never joined except by removing invisible characters, in-word apostrophes, or collapsing
/// a run of three or more single letters ("s u i c i d e"); everything that is not a word character
/// becomes one space.
/// </summary>
internal static class TextNormalizer
{
    /// <summary>The result for callers outside the hot path (term compilation, tests, tools).</summary>
    public static NormalizedBuffer Normalize(string text)
    {
        var buffer = new NormalizedBuffer(text.Length * 2 + 16);
        Normalize(text, buffer);
        return buffer;
    }

    public static string NormalizeToString(string text)
    {
        var buffer = Normalize(text);
        return new string(buffer.Text);
    }

    public static void Normalize(ReadOnlySpan<char> text, NormalizedBuffer buffer)
    {
        // Two output characters per input is enough for every ASCII step (a space before a word plus
        // the letter); the non-ASCII path checks capacity itself because a fold can expand.
        buffer.Reset(text.Length * 2 + 16);
        var state = new State(text, buffer);
        state.Run();
    }

    /// <summary>
    /// Writes the squeezed variant of <paramref name="source"/>: every run of two or more identical letters
    /// cut to one ("hooow tooo schooool" → "how to schol"), with <see cref="NormalizedBuffer.Stretched"/>
    /// marking the characters that came from a run of three or more (a run the pupil stretched; "www" is not
    /// one). Patterns are squeezed the same way (<see cref="SqueezeRuns(string)"/>); a match in this variant
    /// counts only if it covers a stretched character, so text nobody stretched never gains a match
    /// ("ass" squeezed is "as", but "as" in plain text is not stretched). The source's
    /// <see cref="NormalizedBuffer.SplitPoints"/> are carried over to where they fall in the squeezed text.
    /// </summary>
    public static void SqueezeRuns(NormalizedBuffer source, NormalizedBuffer target)
    {
        target.Reset(source.Length + 16);
        var stretched = target.EnsureStretched();
        var src = source.Chars;
        var map = source.Map;
        var length = source.Length;
        var points = source.SplitPoints;
        var point = 0;
        var n = 0;
        var i = 0;
        while (i < length)
        {
            var c = src[i];
            var j = i + 1;
            while (j < length && src[j] == c)
            {
                j++;
            }

            var run = j - i;
            var letter = run > 1 && char.IsLetter(c);
            for (; point < points.Count && points[point] < j; point++)
            {
                // A split before the run stays before it; one inside a squeezed run of letters falls after its letter.
                var at = points[point] <= i ? n : letter ? n + 1 : n + (points[point] - i);
                if (target.SplitPoints.Count == 0 || target.SplitPoints[^1] != at)
                {
                    target.SplitPoints.Add(at);
                }
            }

            target.Chars[n] = c;
            target.Map[n] = map[i];
            stretched[n] = letter && run >= 3 && !IsWww(src, length, i, j);
            n++;
            if (!letter)
            {
                // Separators and digits are copied as they are (a run of them is kept whole).
                for (var k = i + 1; k < j; k++)
                {
                    target.Chars[n] = c;
                    target.Map[n] = map[k];
                    stretched[n] = false;
                    n++;
                }
            }

            i = j;
        }

        target.Length = n;
    }

    /// <summary>
    /// Writes <paramref name="source"/> with a space inserted at each of its <see cref="NormalizedBuffer.SplitPoints"/>
    /// ("iwant to die" → "i want to die"): the other reading of a spaced run that began with "a" or "i".
    /// With <paramref name="stretched"/> (a squeezed source) the <see cref="NormalizedBuffer.Stretched"/> marks come too.
    /// </summary>
    public static void Split(NormalizedBuffer source, NormalizedBuffer target, bool stretched = false) =>
        Split(source, target, source.SplitPoints, stretched);

    /// <summary>Writes <paramref name="source"/> with a space inserted at each of <paramref name="points"/> (ascending positions in it).</summary>
    public static void Split(NormalizedBuffer source, NormalizedBuffer target, List<int> points, bool stretched = false)
    {
        target.Reset(source.Length + points.Count + 16);
        var marks = stretched ? target.EnsureStretched() : null;
        var n = 0;
        var from = 0;
        foreach (var point in points)
        {
            var count = point - from;
            Copy(from, n, count);
            n += count;
            target.Chars[n] = ' ';
            target.Map[n] = source.Map[Math.Min(point, source.Length - 1)];
            if (marks is not null)
            {
                marks[n] = false;
            }

            n++;
            from = point;
        }

        Copy(from, n, source.Length - from);
        target.Length = n + source.Length - from;

        void Copy(int at, int to, int count)
        {
            Array.Copy(source.Chars, at, target.Chars, to, count);
            Array.Copy(source.Map, at, target.Map, to, count);
            if (marks is not null)
            {
                Array.Copy(source.Stretched!, at, marks, to, count);
            }
        }
    }

    /// <summary>A list term squeezed like <see cref="SqueezeRuns(NormalizedBuffer, NormalizedBuffer)"/> squeezes text.</summary>
    public static string SqueezeRuns(string normalized)
    {
        var builder = new System.Text.StringBuilder(normalized.Length);
        for (var i = 0; i < normalized.Length; i++)
        {
            if (i == 0 || normalized[i] != normalized[i - 1] || !char.IsLetter(normalized[i]))
            {
                builder.Append(normalized[i]);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// For a list term that mixes letters and digits ("bet365", "ak47"): the normalised forms of its leet spellings
    /// (letters written as the digits the normaliser reads back) that do not normalise to the term itself and still
    /// hold a digit. A digit run beside the term's own number is ambiguous ("b37365" could be "bete65"), so the
    /// normaliser keeps it; the term is matched in those spellings instead. Forms the normaliser turned into
    /// letters only are left out: "4r 15" reads "ar is", and "AR is" is ordinary text. Empty for terms without
    /// digits or with more than ten leet-able letters.
    /// </summary>
    public static IEnumerable<string> LeetSpellings(string term)
    {
        if (!term.Any(char.IsAsciiDigit))
        {
            yield break;
        }

        var lower = term.ToLowerInvariant();
        var positions = Enumerable.Range(0, lower.Length).Where(k => LeetDigitOf(lower[k]) != lower[k]).ToArray();
        if (positions.Length > 10)
        {
            yield break;
        }

        var plain = NormalizeToString(term);
        var seen = new HashSet<string>(StringComparer.Ordinal) { plain };
        var spelling = lower.ToCharArray();
        for (var mask = 1; mask < 1 << positions.Length; mask++)
        {
            for (var b = 0; b < positions.Length; b++)
            {
                var k = positions[b];
                spelling[k] = (mask & 1 << b) != 0 ? LeetDigitOf(lower[k]) : lower[k];
            }

            var normalized = NormalizeToString(new string(spelling));
            if (normalized.Any(char.IsAsciiDigit) && seen.Add(normalized))
            {
                yield return normalized;
            }
        }
    }

    private static char LeetDigitOf(char letter) => letter switch
    {
        'o' => '0',
        'i' => '1',
        'e' => '3',
        'a' => '4',
        's' => '5',
        't' => '7',
        'g' => '9',
        _ => letter,
    };

    private static bool IsWww(char[] chars, int length, int start, int end) =>
        end - start == 3 && chars[start] == 'w' && (start == 0 || chars[start - 1] == ' ') && (end == length || chars[end] == ' ');

    private static bool IsOneLetterWord(char c) => c is 'a' or 'i' or 'u';

    internal static bool IsLeetDigit(char c) => c is '0' or '1' or '3' or '4' or '5' or '7';

    internal static char LeetLetter(char c) => c switch
    {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        '9' => 'g',
        _ => c,
    };

    // Separators that can space out the letters of one word: "s u i c i d e", "s.u.i.c.i.d.e", "s-u-i-c-i-d-e".
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static bool IsSpacingSeparator(char c) => c is ' ' or '.' or '-' or '_' or '*' or '~' or '+' or '\u00A0';

    private ref struct State
    {
        private const char Euro = '\u20AC';

        private readonly ReadOnlySpan<char> _src;
        private readonly NormalizedBuffer _buffer;
        private char[] _chars;
        private int[] _map;
        private int _n;

        // The word being written: where it starts in the output and what it holds.
        private int _tokStart;
        private bool _tokLetter;
        private bool _tokDigit;
        private int _tokGapLength;
        private char _tokGapChar;

        // The separator run since the last word: where it started in the original, how long, its first and
        // last char other than an apostrophe, and how many apostrophes it holds.
        private int _gapStart;
        private int _gapLength;
        private char _gapFirst;
        private char _gapChar;
        private int _gapApostrophes;

        // A run of single-letter words that may be one spaced-out word.
        private int _runStart;
        private int _runEnd;
        private int _runCount;
        private int _runSingles;
        private char _runSeparator;
        private int _runGapLength;
        private char _runGapChar;

        // The last word written, in case a run has to restart from it.
        private int _lastMemberStart;
        private bool _lastMemberSingle;
        private int _lastMemberGapLength;
        private char _lastMemberGapChar;

        // The previous word group was a joined spaced run ("w a n t"), so a following two-letter run
        // set apart the same way ("t o") is spaced out too.
        private bool _prevJoined;

        // A two-letter run set apart by one space that was not joined ("g o" of "g o   d i e"): where its first letter
        // is in the output, in case the run right after it joins and is set apart from it the same wider way.
        private int _pairStart;

        // Leet digits: whether the previous word had digits read as letters, and a digits-only word
        // waiting for its next neighbour to decide ("1" and "70" in "1 w4n7 70 d13").
        private bool _prevLeet;
        private int _pendingStart;
        private int _pendingEnd;

        private bool _stretched;

        // An invisible character inside the word: the next character written is joined to the one before it.
        private bool _pendingJoin;

        public State(ReadOnlySpan<char> src, NormalizedBuffer buffer)
        {
            _src = src;
            _buffer = buffer;
            _chars = buffer.Chars;
            _map = buffer.Map;
            _n = 0;
            _tokStart = -1;
            _tokLetter = false;
            _tokDigit = false;
            _tokGapLength = 0;
            _tokGapChar = '\0';
            _gapStart = 0;
            _gapLength = 0;
            _gapFirst = '\0';
            _gapChar = '\0';
            _gapApostrophes = 0;
            _runStart = -1;
            _runEnd = 0;
            _runCount = 0;
            _runSingles = 0;
            _runSeparator = '\0';
            _runGapLength = 0;
            _runGapChar = '\0';
            _lastMemberStart = -1;
            _lastMemberSingle = false;
            _lastMemberGapLength = 0;
            _lastMemberGapChar = '\0';
            _prevJoined = false;
            _pairStart = -1;
            _prevLeet = false;
            _pendingStart = -1;
            _pendingEnd = -1;
            _stretched = false;
            _pendingJoin = false;
        }

        public void Run()
        {
            var src = _src;
            var i = 0;
            while (i < src.Length)
            {
                var c = src[i];
                if (char.IsAsciiLetter(c))
                {
                    // The hot path: a run of ASCII letters is copied lower-cased with its offsets in one tight loop.
                    if (_tokStart < 0)
                    {
                        StartToken();
                    }
                    else if (_pendingJoin)
                    {
                        MarkJoin();
                    }

                    var chars = _chars;
                    var map = _map;
                    var n = _n;
                    do
                    {
                        chars[n] = (char)(c | 0x20);
                        map[n] = i;
                        n++;
                        i++;
                    }
                    while (i < src.Length && char.IsAsciiLetter(c = src[i]));

                    _n = n;
                    _tokLetter = true;
                    continue;
                }

                if (c < 128)
                {
                    var kind = AsciiKind[c];
                    if (kind == KindDigit)
                    {
                        Word(c, i, letter: false);
                    }
                    else if (kind == KindSeparator)
                    {
                        // '+' is a space in a URL query ("how+to+die", "s+u+i+c+i+d+e"): one kind of gap with ' '.
                        Separator(c == '+' ? ' ' : c, i);
                    }
                    else
                    {
                        i = Special(c, i);
                    }

                    i++;
                    continue;
                }

                i = NonAscii(i);
            }

            if (_tokStart >= 0)
            {
                EndToken();
            }

            CloseRun();
            _buffer.Length = _n;
            _buffer.HasStretchedLetters = _stretched;
        }

        private int NonAscii(int i)
        {
            var c = _src[i];
            if (c == Euro)
            {
                // "d!€", "my$€lf": the euro sign drawn for an e, when it touches a letter; "€5" stays a price.
                if (AfterLetter() || NextIsLetterLike(i + 1))
                {
                    Word('e', i, letter: true);
                }
                else
                {
                    Separator(' ', i);
                }

                return i + 1;
            }

            int cp = c;
            var width = 1;
            if (char.IsHighSurrogate(c) && i + 1 < _src.Length && char.IsLowSurrogate(_src[i + 1]))
            {
                cp = char.ConvertToUtf32(c, _src[i + 1]);
                width = 2;
            }

            if (CharFolding.IsInvisible(cp) && _tokStart >= 0 && _n > _tokStart)
            {
                // "kill\u200Bmyself": removing it joins what the pupil may have meant as two words.
                _pendingJoin = true;
            }

            Emit(CharFolding.Fold(cp), i, i + width);
            return i + width;
        }

        /// <summary>Writes the fold of one code point that starts at <paramref name="origin"/>; <paramref name="next"/> is where the text continues.</summary>
        private void Emit(string fold, int origin, int next)
        {
            if (_n + fold.Length * 2 + 2 > _chars.Length)
            {
                _buffer.Length = _n;
                _buffer.Grow(_n + fold.Length * 2 + (_src.Length - origin) * 2 + 16);
                _chars = _buffer.Chars;
                _map = _buffer.Map;
            }

            foreach (var f in fold)
            {
                if (f == ' ')
                {
                    Separator(' ', origin);
                }
                else if (f == '\'')
                {
                    Apostrophe(origin, next);
                }
                else
                {
                    Word(f, origin, letter: !char.IsAsciiDigit(f));
                }
            }
        }

        /// <summary>Apostrophes, leet symbols and percent-escapes: each depends on its neighbours.</summary>
        private int Special(char c, int i)
        {
            var afterWordChar = _tokStart >= 0 && _n > _tokStart;
            switch (c)
            {
                case '\'':
                    Apostrophe(i, i + 1);
                    return i;
                case '$' when NextIsLetterLike(i + 1) || (AfterLetter() && !NextIsDigit(i + 1)):
                    // "$uicide", "km$", "my$€lf"; "$5" and "pay $ 5" stay money.
                    Word('s', i, letter: true);
                    return i;
                case '!' when afterWordChar && NextIsLetterLike(i + 1):
                    Word('i', i, letter: true);
                    return i;
                case '!' when !afterWordChar && StartsContractionOfI(i + 1):
                    // "!'ll", "!'m": the pupil's "I" of "I'll", "I'm", "I'd", "I've" drawn as '!'.
                    Word('i', i, letter: true);
                    return i;
                case '|' when afterWordChar && NextIsLetterLike(i + 1):
                    // Drawn like a capital I as much as an l; "k|ll" is "kIll", read the same way as '1'.
                    Word('i', i, letter: true);
                    return i;
                case '@' when afterWordChar && NextIsLetterLike(i + 1) && !StartsEmailDomain(i + 1):
                    Word('a', i, letter: true);
                    return i;
                case '@' when AfterLetter() && _n - _tokStart >= 2 && EndsWordAt(i + 1):
                    // "n1gg@", "b1tch@!": an '@' closing a word of letters is its last letter (a mention starts a word).
                    Word('a', i, letter: true);
                    return i;
                case '%' when i + 2 < _src.Length && char.IsAsciiHexDigit(_src[i + 1]) && char.IsAsciiHexDigit(_src[i + 2]):
                    return Escape(i);
                default:
                    Separator(c, i);
                    return i;
            }
        }

        /// <summary>
        /// A URL escape is the character it encodes ("don%27t" → "dont", "caf%C3%A9" → "cafe"), mapped to the
        /// '%' that starts it. Escapes of separators ("how%20to") stay separators, never the word "20to".
        /// Returns the index of the escape's last character.
        /// </summary>
        private int Escape(int i)
        {
            var first = HexByte(i);
            var count = first switch
            {
                < 0x80 => 1,
                >= 0xC2 and < 0xE0 => 2,
                >= 0xE0 and < 0xF0 => 3,
                >= 0xF0 and < 0xF5 => 4,
                _ => 0,
            };
            var cp = count switch
            {
                1 => first,
                2 => first & 0x1F,
                3 => first & 0x0F,
                _ => first & 0x07,
            };
            for (var k = 1; k < count; k++)
            {
                var at = i + 3 * k;
                if (at + 2 >= _src.Length || _src[at] != '%' || !char.IsAsciiHexDigit(_src[at + 1]) || !char.IsAsciiHexDigit(_src[at + 2])
                    || (HexByte(at) & 0xC0) != 0x80)
                {
                    count = 0;
                    break;
                }

                cp = cp << 6 | HexByte(at) & 0x3F;
            }

            if (count == 0 || cp > 0x10FFFF || cp is >= 0xD800 and <= 0xDFFF)
            {
                Separator(' ', i);
                return i + 2;
            }

            var next = i + 3 * count;
            if (cp < 0x80)
            {
                var c = (char)cp;
                if (char.IsAsciiLetter(c))
                {
                    Word((char)(c | 0x20), i, letter: true);
                }
                else if (char.IsAsciiDigit(c))
                {
                    Word(c, i, letter: false);
                }
                else if (c == '\'')
                {
                    Apostrophe(i, next);
                }
                else
                {
                    Separator(c == '+' ? ' ' : c, i);
                }
            }
            else
            {
                Emit(CharFolding.Fold(cp), i, next);
            }

            return next - 1;
        }

        private readonly int HexByte(int i) => Convert.FromHexString(_src.Slice(i + 1, 2))[0];

        private void Apostrophe(int i, int next)
        {
            // "don't" → "dont" so lists need not spell both; "1'll" (leet) too; an apostrophe not between
            // a word and a letter separates.
            if (!(_tokStart >= 0 && _n > _tokStart && (NextIsLetter(next) || (_tokLetter && next < _src.Length && IsLeetDigit(_src[next])))))
            {
                Separator('\'', i);
            }
        }

        private readonly bool AfterLetter() => _tokStart >= 0 && _n > _tokStart && char.IsLetter(_chars[_n - 1]);

        /// <summary>The next visible character (zero-width characters skipped) is a letter.</summary>
        private readonly bool NextIsLetter(int j)
        {
            j = SkipInvisible(j);
            return j < _src.Length && char.IsLetter(_src[j]);
        }

        /// <summary>The next visible character is a letter or a leet symbol drawn for one ("d!€", "c0c@!n€").</summary>
        private readonly bool NextIsLetterLike(int j)
        {
            j = SkipInvisible(j);
            if (j >= _src.Length)
            {
                return false;
            }

            var c = _src[j];
            return char.IsLetter(c) || c is Euro or '$' or '@'
                || (c is '!' or '|' && j + 1 < _src.Length && char.IsLetter(_src[j + 1]));
        }

        /// <summary>An apostrophe and the ending of a contraction of "I" ("'ll", "'m", "'d", "'ve", any case) start at <paramref name="j"/>.</summary>
        private readonly bool StartsContractionOfI(int j)
        {
            if (j + 1 >= _src.Length || _src[j] is not '\'' and not '\u2019')
            {
                return false;
            }

            var rest = _src[(j + 1)..];
            var length = 0;
            while (length < rest.Length && length < 3 && char.IsAsciiLetter(rest[length]))
            {
                length++;
            }

            if (length == 3 || (length < rest.Length && char.IsLetterOrDigit(rest[length])))
            {
                return false;
            }

            var ending = rest[..length];
            return ending.Equals("ll", StringComparison.OrdinalIgnoreCase) || ending.Equals("m", StringComparison.OrdinalIgnoreCase)
                || ending.Equals("d", StringComparison.OrdinalIgnoreCase) || ending.Equals("ve", StringComparison.OrdinalIgnoreCase);
        }

        private readonly bool NextIsDigit(int j) => j < _src.Length && char.IsAsciiDigit(_src[j]);

        /// <summary>A word ends at <paramref name="j"/>: the end of the text, white space, or closing punctuation.</summary>
        private readonly bool EndsWordAt(int j) =>
            j >= _src.Length || char.IsWhiteSpace(_src[j]) || _src[j] is '!' or '?' or ',' or ';' or ':' or ')' or '"' or '\'' or '\u2019';

        private readonly int SkipInvisible(int j)
        {
            while (j < _src.Length && _src[j] >= 128 && CharFolding.IsInvisible(_src[j]))
            {
                j++;
            }

            return j;
        }

        private readonly bool StartsEmailDomain(int i)
        {
            // "name@host.tld": the '@' separates rather than reading as 'a', which would glue two words.
            for (var j = i; j < _src.Length; j++)
            {
                var c = _src[j];
                if (c == '.')
                {
                    return j + 1 < _src.Length && char.IsAsciiLetter(_src[j + 1]);
                }

                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                {
                    return false;
                }
            }

            return false;
        }

        private void Word(char c, int origin, bool letter)
        {
            if (_tokStart < 0)
            {
                StartToken();
            }
            else if (_pendingJoin)
            {
                MarkJoin();
            }

            var n = _n;
            _chars[n] = c;
            _map[n] = origin;
            _n = n + 1;
            if (letter)
            {
                _tokLetter = true;
            }
            else
            {
                _tokDigit = true;
            }
        }

        private void MarkJoin()
        {
            _pendingJoin = false;
            _buffer.MarkJoined(_n);
        }

        private void StartToken()
        {
            _pendingJoin = false;
            if (_n > 0)
            {
                _chars[_n] = ' ';
                _map[_n] = _gapStart;
                _n++;
            }

            _tokStart = _n;
            _tokLetter = false;
            _tokDigit = false;
            _tokGapLength = _gapLength;
            _tokGapChar = _gapChar;
            if (_gapApostrophes == 1 && (_gapLength == 2 || (_gapLength == 3 && _gapFirst == _gapChar)))
            {
                // "i ' l l", "i.'.l.l", "i' l l": an apostrophe between spaced letters is dropped as it is inside a
                // word, so the gap is the one separator beside it and the run goes on ("ill").
                _tokGapLength = 1;
            }

            _gapLength = 0;
        }

        private void Separator(char c, int origin)
        {
            _pendingJoin = false;
            if (_tokStart >= 0)
            {
                EndToken();
            }

            if (_gapLength == 0)
            {
                _gapStart = origin;
                _gapFirst = c;
                _gapChar = '\0';
                _gapApostrophes = 0;
            }

            _gapLength++;
            if (c == '\'')
            {
                _gapApostrophes++;
            }
            else
            {
                _gapChar = c;
            }
        }

        private void EndToken()
        {
            var start = _tokStart;
            var end = _n;

            LeetWord(start, end);

            // "www" of a URL is the one common triple letter in benign text; scanning the squeezed variant
            // for every URL would cost for nothing. Checked after leet digits are read ("d1333" is "dieee").
            if (!_stretched && HasTripleLetter(start, end) && !(end - start == 3 && _chars[start] == 'w' && _chars[start + 1] == 'w'))
            {
                _stretched = true;
            }

            var member = IsRunMember(start, end, out var single);
            if (member)
            {
                var continues = _runCount > 0 && _tokGapLength == 1 && IsSpacingSeparator(_tokGapChar)
                    && (_runCount == 1 || _tokGapChar == _runSeparator);
                if (continues)
                {
                    _runSeparator = _tokGapChar;
                    _runCount++;
                    _runSingles += single ? 1 : 0;
                    _runEnd = end;
                }
                else if (_runCount == 2 && _runSeparator == ' ' && _tokGapLength == 1 && _tokGapChar != ' ' && IsSpacingSeparator(_tokGapChar) && _lastMemberSingle)
                {
                    // "i w.a.n.t": the run is "w.a.n.t", not "i w"; the lone "i" stays a word.
                    _runStart = _lastMemberStart;
                    _runSeparator = _tokGapChar;
                    _runCount = 2;
                    _runSingles = 1 + (single ? 1 : 0);
                    _runEnd = end;
                    _runGapLength = _lastMemberGapLength;
                    _runGapChar = _lastMemberGapChar;
                    _prevJoined = false;
                }
                else
                {
                    var removed = CloseRun();
                    _tokStart -= removed;
                    _runStart = _tokStart;
                    _runEnd = end - removed;
                    _runCount = 1;
                    _runSingles = single ? 1 : 0;
                    _runGapLength = _tokGapLength;
                    _runGapChar = _tokGapChar;
                }
            }
            else
            {
                CloseRun();
                _prevJoined = false;
            }

            _lastMemberStart = _tokStart;
            _lastMemberSingle = single;
            _lastMemberGapLength = _tokGapLength;
            _lastMemberGapChar = _tokGapChar;
            _tokStart = -1;
        }

        /// <summary>
        /// Leet digits in a word with letters: a run of leet digits (<c>0 1 3 4 5 7</c>) inside the word, or of
        /// at most four digits at its start or end (a repeated digit counted once: "d1333"), is read as letters
        /// ("k1ll", "d13", "p4r4c374m0l", "h4735"). Runs with other digits stay numbers ("year2024",
        /// "covid19"). A word of leet digits alone ("1", "70", "1515") is read as letters only when a
        /// neighbouring word was leet ("1 w4n7 70 d13"), so "take 5 pills" and "in 2024" keep their numbers;
        /// the price is that a real number beside a leet word is read as letters too ("rul3 34").
        /// </summary>
        private void LeetWord(int start, int end)
        {
            var leet = false;
            if (_tokLetter && _tokDigit)
            {
                leet = MapLeetDigits(start, end);
                if (leet && _pendingStart >= 0)
                {
                    MapAll(_pendingStart, _pendingEnd);
                }

                _pendingStart = -1;
            }
            else if (!_tokLetter && _tokDigit && DigitGroups(start, end) <= 4 && AllLeet(start, end))
            {
                if (_prevLeet)
                {
                    MapAll(start, end);
                    leet = true;
                    _pendingStart = -1;
                }
                else
                {
                    _pendingStart = start;
                    _pendingEnd = end;
                }
            }
            else
            {
                _pendingStart = -1;
            }

            _prevLeet = leet;
        }

        /// <summary>Digits counted with a repeated digit once, so a stretched leet letter ("d1333") counts as one.</summary>
        private readonly int DigitGroups(int start, int end)
        {
            var groups = 0;
            for (var k = start; k < end; k++)
            {
                groups += k == start || _chars[k] != _chars[k - 1] ? 1 : 0;
            }

            return groups;
        }

        private readonly bool AllLeet(int start, int end)
        {
            for (var k = start; k < end; k++)
            {
                if (!IsLeetDigit(_chars[k]))
                {
                    return false;
                }
            }

            return true;
        }

        private readonly void MapAll(int start, int end)
        {
            for (var k = start; k < end; k++)
            {
                _chars[k] = LeetLetter(_chars[k]);
            }
        }

        /// <summary>
        /// Whether a word can be one member of a spaced-out word: a single letter or leet digit ("s u 1 c"), or
        /// one letter repeated ("s uuu iii c", where the pupil stretched the spaced letters; not "www").
        /// </summary>
        private readonly bool IsRunMember(int start, int end, out bool single)
        {
            var c = _chars[start];
            single = end - start == 1 && char.IsLetterOrDigit(c);
            if (single)
            {
                return true;
            }

            if (end - start > 6 || !char.IsLetter(c) || (c == 'w' && end - start == 3))
            {
                return false;
            }

            for (var k = start + 1; k < end; k++)
            {
                if (_chars[k] != c)
                {
                    return false;
                }
            }

            return true;
        }

        private readonly bool HasTripleLetter(int start, int end)
        {
            for (var k = start + 2; k < end; k++)
            {
                var c = _chars[k];
                if (c == _chars[k - 1] && c == _chars[k - 2] && char.IsLetter(c))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Maps leet digit runs of a word with letters in place (see <see cref="LeetWord"/>); true if any was mapped.
        /// A <c>9</c> is read as "g" in a run that also has another leet digit, when the run is inside the word
        /// ("n1993r"), the word has other leet runs ("93n0c1d3"), or it is three or four digit groups at an edge that
        /// are not a year ("f49907"); as the 9s that end a word already leet ("k1ll1n9"); and as two or more 9s
        /// between letters ("fa99ot", "ni99a"). So "covid19", "1990s", "year1993", "9gag", "9th" and a video id's
        /// "w4w9W" keep their digits.
        /// </summary>
        private readonly bool MapLeetDigits(int start, int end)
        {
            var mapped = false;
            var nines = false;
            for (var (i, j) = NextDigitRun(start, end); i < end; (i, j) = NextDigitRun(j, end))
            {
                var inside = i > start && j < end;
                if (AllLeet(i, j) && (inside || DigitGroups(i, j) <= 4))
                {
                    MapAll(i, j);
                    mapped = true;
                }
                else
                {
                    nines |= IsLeetRunWithNine(i, j) || (i > start && IsNines(i, j) && (j == end || j - i >= 2));
                }
            }

            if (nines)
            {
                mapped |= MapNines(start, end, mapped);
            }

            return mapped;
        }

        /// <summary>The second pass of <see cref="MapLeetDigits"/>: runs of leet digits and 9s, once the rest of the word is known.</summary>
        private readonly bool MapNines(int start, int end, bool wordIsLeet)
        {
            var mapped = false;
            for (var (i, j) = NextDigitRun(start, end); i < end; (i, j) = NextDigitRun(j, end))
            {
                var groups = DigitGroups(i, j);
                var year = j - i == 4 && _chars[i] == '1' && _chars[i + 1] == '9';
                var map = IsLeetRunWithNine(i, j)
                    ? (i > start && j < end) || (wordIsLeet && groups <= 4) || (groups is 3 or 4 && !year)
                    : IsNines(i, j) && ((j == end && (wordIsLeet || mapped)) || (i > start && j < end && j - i >= 2));
                if (map)
                {
                    MapAll(i, j);
                    mapped = true;
                }
            }

            return mapped;
        }

        /// <summary>The next run of ASCII digits in [<paramref name="from"/>, <paramref name="end"/>): (start, end), or (end, end) when there is none.</summary>
        private readonly (int Start, int End) NextDigitRun(int from, int end)
        {
            var i = from;
            while (i < end && !char.IsAsciiDigit(_chars[i]))
            {
                i++;
            }

            var j = i;
            while (j < end && char.IsAsciiDigit(_chars[j]))
            {
                j++;
            }

            return (i, j);
        }

        private readonly bool IsNines(int start, int end) => _chars.AsSpan(start, end - start).TrimStart('9').IsEmpty;

        /// <summary>A digit run of leet digits and at least one 9, with a leet digit other than 9 ("93", "1993", "49907").</summary>
        private readonly bool IsLeetRunWithNine(int start, int end)
        {
            var nine = false;
            var leet = false;
            for (var k = start; k < end; k++)
            {
                var c = _chars[k];
                if (c == '9')
                {
                    nine = true;
                }
                else if (IsLeetDigit(c))
                {
                    leet = true;
                }
                else
                {
                    return false;
                }
            }

            return nine && leet;
        }

        /// <summary>
        /// Joins a finished run of spaced letters ("s u i c i d e") if it has at least three members, two of
        /// them letters and two of them single characters. Leet digits may sit inside it ("s u 1 c 1 d e"), and
        /// at its ends when it has four members with two letters ("5 3 n d", "s u 1 c 1 d 3"); a shorter run
        /// loses digits at its ends, so "page 5 a b" keeps its number, except one leet digit after two letters
        /// ("k m 5", "k y 5"). Four or more spaced digits with no letter join as a number ("1 4 8 8"). A two-letter run joins when its letters are set apart by a dot or dash ("t.o", "m-y"),
        /// or when it follows a joined run, or comes right before one, set apart from it the same wider way
        /// ("w a n t   t o", "g o   d i e"). Returns how many characters the output shrank by.
        /// </summary>
        private int CloseRun()
        {
            var count = _runCount;
            var first = _runStart;
            var last = _runEnd - 1;
            var pair = _pairStart;
            _pairStart = -1;
            _runCount = 0;
            _runStart = -1;
            if (count < 2)
            {
                _prevJoined = false;
                return 0;
            }

            var letters = 0;
            for (var p = first; p <= last; p++)
            {
                letters += char.IsLetter(_chars[p]) && (p == first || _chars[p - 1] == ' ') ? 1 : 0;
            }

            // "1 4 8 8": four or more spaced digits and no letter are one number.
            var number = letters == 0 && count >= 4;
            if (!number && (count < 4 || letters < 2))
            {
                while (count > 0 && char.IsAsciiDigit(_chars[first]))
                {
                    first += 2;
                    count--;
                }

                // "k m 5", "k y 5": two letters and one leet digit after them keep it (kms, kys); any other short run
                // loses digits at its end.
                var leetTail = count == 3 && letters == 2 && !char.IsAsciiDigit(_chars[first]) && IsLeetDigit(_chars[last]);
                while (count > 0 && letters < 3 && !leetTail && char.IsAsciiDigit(_chars[last]))
                {
                    last -= 2;
                    count--;
                }
            }

            var join = number || (count >= 3 ? letters >= 2 && _runSingles >= 2
                : count == 2 && letters == 2 && _runSingles == 2
                    && (_runSeparator is not ' ' and not '\u00A0' || (_prevJoined && (_runGapLength != 1 || _runGapChar != ' '))));
            if (!join)
            {
                if (count == 2 && letters == 2 && _runSingles == 2 && _runSeparator == ' ')
                {
                    _pairStart = first;
                }

                _prevJoined = false;
                return 0;
            }

            // "g o   d i e", "n o   r e a s o n": a two-letter run right before this one, set apart from it the way a
            // joined run sets its words apart (wider than one space), is a spaced-out word too.
            var pairJoins = pair >= 0 && pair + 4 == first && count >= 3 && !number && (_runGapLength != 1 || _runGapChar != ' ');

            // "i w a n t to die", "buy a z o m b i e knife", "u s h o u l d", "m a k e a bomb": the run may
            // begin or end with the word "i", "a" or "u"; the detector also reads it split there.
            var splitFirst = count >= 4 && IsOneLetterWord(_chars[first]) && _chars[first + 1] == ' ';
            var splitLast = count >= 4 && IsOneLetterWord(_chars[last]) && _chars[last - 1] == ' ';
            if (splitFirst)
            {
                _buffer.SplitPoints.Add(first + 1);
            }

            // Each separator dropped here is a join point ("k_i_l_l_m_y_s_e_l_f" may be "kill myself"); marks
            // of the members themselves ("uu\u200Bu") move with their characters.
            var w = first;
            var separated = false;
            for (var p = first; p <= last; p++)
            {
                var c = _chars[p];
                if (c == ' ')
                {
                    separated = true;
                    continue;
                }

                var joined = _buffer.HasJoins && _buffer.Joined![p];
                _chars[w] = c;
                _map[w] = _map[p];
                if (separated || joined)
                {
                    _buffer.MarkJoined(w);
                }
                else if (_buffer.HasJoins)
                {
                    _buffer.Joined![w] = false;
                }

                separated = false;
                w++;
            }

            // The joined word is read like any word: "s u 1 c 1 d 3" → "suicide", "b e t 3 6 5" → "bet365". A number
            // stays a number.
            if (!number)
            {
                MapLeetDigits(first, w);
            }

            if (HasTripleLetter(first, w))
            {
                _stretched = true;
            }

            if (splitLast)
            {
                _buffer.SplitPoints.Add(w - 1);
            }

            var removed = last + 1 - w;
            Drop(w, last + 1);
            if (pairJoins)
            {
                // Drop the space between the pair's letters; everything after moves back one place.
                Drop(pair + 1, pair + 2);
                _buffer.MarkJoined(pair + 1);
                var points = _buffer.SplitPoints;
                for (var k = 0; k < points.Count; k++)
                {
                    points[k] -= points[k] > pair + 1 ? 1 : 0;
                }

                removed++;
            }

            _prevJoined = true;
            if (removed > 0)
            {
                // A digits-only word waiting for its neighbour may have moved; let it go rather than map the wrong place.
                _pendingStart = -1;
            }

            return removed;
        }

        /// <summary>Removes output characters [<paramref name="from"/>, <paramref name="to"/>): what follows moves back to <paramref name="from"/>.</summary>
        private void Drop(int from, int to)
        {
            var tail = _n - to;
            Array.Copy(_chars, to, _chars, from, tail);
            Array.Copy(_map, to, _map, from, tail);
            _buffer.MoveJoined(to, from, tail, _n - (to - from), _n);
            _n -= to - from;
        }
    }

    private const byte KindSeparator = 0;
    private const byte KindLetter = 1;
    private const byte KindDigit = 2;
    private const byte KindSpecial = 3;

    private static readonly byte[] AsciiKind = BuildAsciiKinds();

    private static byte[] BuildAsciiKinds()
    {
        var kinds = new byte[128];
        for (var c = 0; c < 128; c++)
        {
            kinds[c] = c switch
            {
                >= 'a' and <= 'z' or >= 'A' and <= 'Z' => KindLetter,
                >= '0' and <= '9' => KindDigit,
                '\'' or '$' or '!' or '|' or '@' or '%' => KindSpecial,
                _ => KindSeparator,
            };
        }

        // Control characters other than whitespace draw nothing; they separate like whitespace.
        return kinds;
    }
}
