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
    /// Writes the variant of <paramref name="source"/> where every run of three or more identical letters
    /// is cut to <paramref name="keep"/> letters. Scanned only when the text has such a run; both
    /// keep = 1 ("diiiie" → "die") and keep = 2 ("killlll" → "kill") are scanned, because only the list
    /// knows which one the pupil stretched.
    /// </summary>
    public static void Squeeze(NormalizedBuffer source, NormalizedBuffer target, int keep)
    {
        target.Reset(source.Length + 16);
        var src = source.Chars;
        var map = source.Map;
        var outChars = target.Chars;
        var outMap = target.Map;
        var n = 0;
        var i = 0;
        while (i < source.Length)
        {
            var c = src[i];
            var j = i + 1;
            while (j < source.Length && src[j] == c)
            {
                j++;
            }

            var count = j - i >= 3 && char.IsLetter(c) ? keep : j - i;
            for (var k = 0; k < count; k++)
            {
                outChars[n] = c;
                outMap[n] = map[i + k];
                n++;
            }

            i = j;
        }

        target.Length = n;
    }

    internal static bool IsLeetDigit(char c) => c is '0' or '1' or '3' or '4' or '5' or '7';

    internal static char LeetLetter(char c) => c switch
    {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        _ => c,
    };

    // Separators that can space out the letters of one word: "s u i c i d e", "s.u.i.c.i.d.e", "s-u-i-c-i-d-e".
    private static bool IsSpacingSeparator(char c) => c is ' ' or '.' or '-' or '_' or '*' or '~' or '+' or '\u00A0';

    private ref struct State
    {
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

        // The separator run since the last word: where it started in the original, how long, its last char.
        private int _gapStart;
        private int _gapLength;
        private char _gapChar;

        // A run of single-letter words that may be one spaced-out word.
        private int _runStart;
        private int _runEnd;
        private int _runCount;
        private char _runSeparator;

        private bool _stretched;

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
            _gapChar = '\0';
            _runStart = -1;
            _runEnd = 0;
            _runCount = 0;
            _runSeparator = '\0';
            _stretched = false;
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
                        Separator(c, i);
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
            int cp = c;
            var width = 1;
            if (char.IsHighSurrogate(c) && i + 1 < _src.Length && char.IsLowSurrogate(_src[i + 1]))
            {
                cp = char.ConvertToUtf32(c, _src[i + 1]);
                width = 2;
            }

            var fold = CharFolding.Fold(cp);
            if (_n + fold.Length * 2 + 2 > _chars.Length)
            {
                _buffer.Length = _n;
                _buffer.Grow(_n + fold.Length * 2 + (_src.Length - i) * 2 + 16);
                _chars = _buffer.Chars;
                _map = _buffer.Map;
            }

            foreach (var f in fold)
            {
                if (f == ' ')
                {
                    Separator(' ', i);
                }
                else if (f == '\'')
                {
                    Apostrophe(i + width - 1);
                }
                else
                {
                    Word(f, i, letter: !char.IsAsciiDigit(f));
                }
            }

            return i + width;
        }

        /// <summary>Apostrophes, leet symbols and percent-escapes: each depends on its neighbours.</summary>
        private int Special(char c, int i)
        {
            var nextIsLetter = i + 1 < _src.Length && char.IsAsciiLetter(_src[i + 1]);
            var afterWordChar = _tokStart >= 0 && _n > _tokStart;
            switch (c)
            {
                case '\'':
                    Apostrophe(i);
                    return i;
                case '$' when nextIsLetter:
                    Word('s', i, letter: true);
                    return i;
                case '!' when nextIsLetter && afterWordChar:
                    Word('i', i, letter: true);
                    return i;
                case '|' when nextIsLetter && afterWordChar:
                    // Drawn like a capital I as much as an l; "k|ll" is "kIll", read the same way as '1'.
                    Word('i', i, letter: true);
                    return i;
                case '@' when nextIsLetter && afterWordChar && !StartsEmailDomain(i + 1):
                    Word('a', i, letter: true);
                    return i;
                case '%' when i + 2 < _src.Length && char.IsAsciiHexDigit(_src[i + 1]) && char.IsAsciiHexDigit(_src[i + 2]):
                    // A URL escape ("how%20to") is one separator, not a word "20to".
                    Separator(' ', i);
                    return i + 2;
                default:
                    Separator(c, i);
                    return i;
            }
        }

        private void Apostrophe(int i)
        {
            // "don't" → "dont" so lists need not spell both; an apostrophe not between letters separates.
            var nextIsLetter = i + 1 < _src.Length && char.IsLetter(_src[i + 1]);
            if (!(_tokStart >= 0 && _tokLetter && nextIsLetter))
            {
                Separator('\'', i);
            }
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

        private void StartToken()
        {
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
            _gapLength = 0;
        }

        private void Separator(char c, int origin)
        {
            if (_tokStart >= 0)
            {
                EndToken();
            }

            if (_gapLength == 0)
            {
                _gapStart = origin;
            }

            _gapLength++;
            _gapChar = c;
        }

        private void EndToken()
        {
            // "www" of a URL is the one common triple letter in benign text; scanning squeezed variants
            // for every URL would triple the cost of URL events for nothing.
            if (!_stretched && HasTripleLetter(_tokStart, _n) && !(_n - _tokStart == 3 && _chars[_tokStart] == 'w'))
            {
                _stretched = true;
            }

            if (_tokLetter && _tokDigit)
            {
                MapLeetDigits(_tokStart, _n);
            }

            var single = _n - _tokStart == 1 && (char.IsLetter(_chars[_tokStart]) || IsLeetDigit(_chars[_tokStart]));
            if (single)
            {
                var continues = _runCount > 0 && _tokGapLength == 1 && IsSpacingSeparator(_tokGapChar)
                    && (_runCount == 1 || _tokGapChar == _runSeparator);
                if (continues)
                {
                    _runSeparator = _tokGapChar;
                    _runCount++;
                    _runEnd = _n;
                }
                else
                {
                    _tokStart -= CloseRun();
                    _runStart = _tokStart;
                    _runEnd = _n;
                    _runCount = 1;
                }
            }
            else
            {
                CloseRun();
            }

            _tokStart = -1;
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
        /// Inside a word that has letters, a run of at most two leet digits is read as letters ("k1ll",
        /// "d13", "a55"). Longer runs and runs with other digits stay numbers ("year2024", "covid19"),
        /// and words without letters ("2024", the "5" of "5 pills") are never touched.
        /// </summary>
        private readonly void MapLeetDigits(int start, int end)
        {
            var i = start;
            while (i < end)
            {
                if (!char.IsAsciiDigit(_chars[i]))
                {
                    i++;
                    continue;
                }

                var j = i;
                var allLeet = true;
                while (j < end && char.IsAsciiDigit(_chars[j]))
                {
                    allLeet &= IsLeetDigit(_chars[j]);
                    j++;
                }

                if (allLeet && j - i <= 2)
                {
                    for (var k = i; k < j; k++)
                    {
                        _chars[k] = LeetLetter(_chars[k]);
                    }
                }

                i = j;
            }
        }

        /// <summary>
        /// Joins a finished run of single letters ("s u i c i d e") if it has at least three members and
        /// two letters; leet digits may sit inside it ("s u 1 c 1 d e") but not at its ends, so
        /// "page 5 a b" keeps its number. Returns how many characters the output shrank by.
        /// </summary>
        private int CloseRun()
        {
            var count = _runCount;
            var first = _runStart;
            var last = _runEnd - 1;
            _runCount = 0;
            _runStart = -1;
            if (count < 3)
            {
                return 0;
            }

            while (count > 0 && char.IsAsciiDigit(_chars[first]))
            {
                first += 2;
                count--;
            }

            while (count > 0 && char.IsAsciiDigit(_chars[last]))
            {
                last -= 2;
                count--;
            }

            var letters = 0;
            for (var p = first; p <= last; p += 2)
            {
                letters += char.IsLetter(_chars[p]) ? 1 : 0;
            }

            if (count < 3 || letters < 2)
            {
                return 0;
            }

            var w = first;
            for (var p = first; p <= last; p += 2)
            {
                var c = LeetLetter(_chars[p]);
                if (w - first >= 2 && _chars[w - 1] == c && _chars[w - 2] == c)
                {
                    _stretched = true;
                }

                _chars[w] = c;
                _map[w] = _map[p];
                w++;
            }

            var removed = last + 1 - w;
            var tail = _n - (last + 1);
            Array.Copy(_chars, last + 1, _chars, w, tail);
            Array.Copy(_map, last + 1, _map, w, tail);
            _n -= removed;
            return removed;
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
