using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AlertPipeline.Detection.Normalization;

namespace AlertPipeline.Detection.Matching;

/// <summary>
/// A word-head prefilter in front of the fused scan: says "no list term can be in this text" for most plain texts
/// after reading each word's first five characters once, without walking the automaton. A true answer is a proof;
/// a false one means only "read it properly" (the fused scan and the normaliser decide as before).
/// </summary>
/// <remarks>
/// <para>
/// Every pattern that can make a match by itself (a term, a leet spelling, a regex's anchor literal; not allow
/// phrases or context words, which matter only beside such a hit) has an anchor: its rarest word (by
/// seeds/dictionary/frequent-words.txt), which must be a whole word of the normalised text, or the start of one for
/// a prefix term. The anchor's first five symbols are set in two bit tables, 2^20 bits for the first four and 2^25
/// for all five; where the anchor fixes fewer than five (a short word, then its end; a short prefix), every way the
/// rest can go is set, so a text's five symbols are looked up as they are, without masking.
/// </para>
/// <para>
/// A text is read in 64-character blocks with <see cref="Vector512{T}"/>: each character becomes a symbol byte (a
/// letter, a digit read as the letter it draws so that it does not matter whether the normaliser maps it, or 0 for a
/// gap), and at each word start eight bytes are read and their five symbols packed with PEXT and looked up. The
/// answer is "quiet" only for text whose words the normaliser
/// writes as they are: ASCII letters and digits, apostrophes inside words ("don't"), gaps of ASCII punctuation or of
/// emoji and symbols that fold to spaces. Anything else gives up: leet symbols (<c>$ @ | %</c>, '!' before a
/// letter), other non-ASCII, three equal symbols in a row (stretching; "www" and plain numbers excepted), two one-character words
/// side by side where one is a letter (a spaced-out word: "s u i c i d e"), or both digits beside a word with digits
/// (leet digits read as letters: "k1ll 1 5"). So no variant (squeezed, split, glued, segmented) can arise, and a
/// pattern can occur in the normalised text only where its anchor's symbols start a word.
/// </para>
/// <para>See docs/decisions/0004-detection-engine.md ("Word-head prefilter").</para>
/// </remarks>
internal sealed class QuietTextFilter
{
    private const int HeadSymbols = 5;
    private const int SymbolBits = 5;
    private const int OtherDigit = 27; // 2, 6 and 8 draw no letter
    private const int SymbolCount = 28; // 0 (word end), 26 letters, OtherDigit
    private const byte DigitFlag = 0x20;
    private const byte ApostropheMark = 0x40;
    private const byte SpecialMark = 0x80;
    private const int NonAsciiMark = 1;
    private const int MaskMark = 2; // an asterisk, or an emoji between two letters: what a masked word is made of
    private const ulong FiveSymbols = 0x1F1F1F1F1FUL;
    private const int Head4Bits = 4 * SymbolBits;

    private static readonly byte[] AsciiCodes = BuildAsciiCodes();
    private static readonly Vector512<byte> CodesLow = Vector512.Create(AsciiCodes.AsSpan(0, 64));
    private static readonly Vector512<byte> CodesHigh = Vector512.Create(AsciiCodes.AsSpan(64, 64));

    [ThreadStatic]
    private static byte[]? t_codes;

    public enum Verdict
    {
        Unknown,
        Quiet,
        QuietUnlessMasked,
    }

    private readonly ulong[] _heads4 = new ulong[(1 << Head4Bits) / 64];
    private readonly ulong[] _heads5 = new ulong[(1 << (HeadSymbols * SymbolBits)) / 64];

    private QuietTextFilter()
    {
    }

    // Stepping aside when it does not pay: of every SampleSize texts read, fewer than one in MinQuietShare quiet means
    // the lists' anchors are common in this traffic, so the next SkipLength texts go straight to the fused scan.
    // Counted without locks: a lost update only moves when the filter is next tried, never an answer.
    private const int SampleSize = 256;
    private const int MinQuietShare = 8;
    private const int SkipLength = 16384;
    private int _sampled;
    private int _sampledQuiet;
    private int _skip;

    /// <summary>For tests: read texts without vector instructions, as on a machine without AVX-512 VBMI.</summary>
    internal static bool ForceScalar { get; set; }

    /// <summary>How many anchors were set (for diagnostics).</summary>
    public int Anchors { get; private set; }

    /// <summary>False while the filter steps aside because too few recent texts were quiet (see <see cref="Record"/>).</summary>
    public bool Worthwhile()
    {
        if (_skip <= 0)
        {
            return true;
        }

        _skip--;
        return false;
    }

    /// <summary>Counts one answer; after <see cref="SampleSize"/> of them, steps aside for a while if few were quiet.</summary>
    public void Record(bool quiet)
    {
        _sampledQuiet += quiet ? 1 : 0;
        if (++_sampled >= SampleSize)
        {
            _skip = _sampledQuiet * MinQuietShare < _sampled ? SkipLength : 0;
            _sampled = 0;
            _sampledQuiet = 0;
        }
    }

    /// <summary>
    /// Builds the filter for the patterns that matter for some source (<paramref name="relevance"/> not None), or
    /// null when one of them has no word of its own to anchor on (a regex literal that may start inside a word).
    /// </summary>
    public static QuietTextFilter? TryBuild(IReadOnlyList<string> patterns, IReadOnlyList<SourceKinds> relevance)
    {
        var filter = new QuietTextFilter();
        for (var p = 0; p < patterns.Count; p++)
        {
            if (relevance[p] != SourceKinds.None && !filter.Add(patterns[p]))
            {
                return null;
            }
        }

        return filter;
    }

    /// <summary>
    /// Whether a relevant pattern can occur anywhere in the normalised text (or any variant of it): <see cref="Verdict.Quiet"/>
    /// when none can; <see cref="Verdict.QuietUnlessMasked"/> when none can but the text has what a masked word
    /// ("n*****", "n🍑des", <see cref="MaskedWords"/>) is made of, an asterisk or an emoji between letters; otherwise
    /// <see cref="Verdict.Unknown"/>.
    /// </summary>
    public Verdict Read(ReadOnlySpan<char> text)
    {
        var n = text.Length;
        if (n == 0)
        {
            return Verdict.Quiet;
        }

        var codes = t_codes;
        if (codes is null || codes.Length < n + 200)
        {
            codes = t_codes = new byte[Math.Max(1024, n * 2 + 200)];
        }

        // codes[0] stands before the text (a gap); codes[k + 1] is the symbol of text[k].
        codes[0] = 0;
        var marks = Avx512Vbmi.IsSupported && !ForceScalar ? FoldVector(text, codes) : FoldScalar(text, codes);
        if ((marks & SpecialMark) != 0 && !SpecialsSeparate(text))
        {
            return Verdict.Unknown;
        }

        if ((marks & NonAsciiMark) != 0 && !NonAsciiSeparates(text, ref marks))
        {
            return Verdict.Unknown;
        }

        if ((marks & ApostropheMark) != 0)
        {
            n = JoinApostrophes(text, codes);
            if (n < 0)
            {
                return Verdict.Unknown;
            }
        }

        // Gaps after the text, far enough for the last block's reads (a block, two more, one word's eight).
        var end = ((n + 63) & ~63) + 80;
        codes.AsSpan(n + 1, end - n - 1).Clear();
        if (!WordsQuiet(codes, n))
        {
            return Verdict.Unknown;
        }

        return (marks & MaskMark) != 0 ? Verdict.QuietUnlessMasked : Verdict.Quiet;
    }

    private bool WordsQuiet(byte[] codes, int n)
    {
        ref var c = ref MemoryMarshal.GetArrayDataReference(codes);
        ref var heads4 = ref MemoryMarshal.GetArrayDataReference(_heads4);
        ref var heads5 = ref MemoryMarshal.GetArrayDataReference(_heads5);
        var vector = Vector512.IsHardwareAccelerated && Bmi2.X64.IsSupported && !ForceScalar;
        var lastMember = false;
        var lastStart = 0;
        for (var block = 0; block < n; block += 64)
        {
            ulong starts;
            ulong triples;
            ulong members;
            if (vector)
            {
                var symbolMask = Vector512.Create((byte)0x1F);
                var cur = Vector512.LoadUnsafe(ref c, (nuint)(block + 1));
                var next = Vector512.LoadUnsafe(ref c, (nuint)(block + 2));
                var gap = Vector512.Equals(cur, Vector512<byte>.Zero).ExtractMostSignificantBits();
                var prevGap = Vector512.Equals(Vector512.LoadUnsafe(ref c, (nuint)block), Vector512<byte>.Zero).ExtractMostSignificantBits();
                var nextGap = Vector512.Equals(next, Vector512<byte>.Zero).ExtractMostSignificantBits();
                starts = ~gap & prevGap;
                var s0 = cur & symbolMask;
                var s1 = next & symbolMask;
                var s2 = Vector512.LoadUnsafe(ref c, (nuint)(block + 3)) & symbolMask;
                var equal01 = Vector512.Equals(s0, s1).ExtractMostSignificantBits();
                triples = equal01 & Vector512.Equals(s1, s2).ExtractMostSignificantBits() & ~gap;

                // One-character words, and two-character words of one symbol ("ll"), that may be part of a spaced-out word.
                var nextNextGap = Vector512.Equals(s2, Vector512<byte>.Zero).ExtractMostSignificantBits();
                members = starts & (nextGap | (equal01 & nextNextGap));
            }
            else
            {
                starts = 0;
                triples = 0;
                members = 0;
                for (var k = 0; k < 64; k++)
                {
                    var at = block + 1 + k;
                    if (codes[at] != 0)
                    {
                        var start = codes[at - 1] == 0;
                        starts |= start ? 1UL << k : 0;
                        var s = codes[at] & 0x1F;
                        triples |= (codes[at + 1] & 0x1F) == s && (codes[at + 2] & 0x1F) == s ? 1UL << k : 0;
                        members |= start && IsMember(codes, at) ? 1UL << k : 0;
                    }
                }
            }

            if (triples != 0 && !TriplesAreWww(codes, block + 1, triples, n))
            {
                return false;
            }

            if (members != 0 || lastMember)
            {
                // Which words, in order, are members: two in a row (also across blocks) need a closer look.
                var inOrder = Bmi2.X64.IsSupported && !ForceScalar ? Bmi2.X64.ParallelBitExtract(members, starts) : Compress(members, starts);
                if (lastMember && (inOrder & 1) != 0 && !PairApart(codes, lastStart, block + 1 + BitOperations.TrailingZeroCount(starts), n))
                {
                    return false;
                }

                for (var pairs = inOrder & inOrder >> 1; pairs != 0; pairs &= pairs - 1)
                {
                    var first = Nth(starts, BitOperations.TrailingZeroCount(pairs));
                    var second = BitOperations.TrailingZeroCount(starts & ~((2UL << first) - 1));
                    if (!PairApart(codes, block + 1 + first, block + 1 + second, n))
                    {
                        return false;
                    }
                }

                lastMember = starts == 0 ? lastMember : (inOrder >> (BitOperations.PopCount(starts) - 1) & 1) != 0;
            }

            if (starts != 0)
            {
                lastStart = block + 1 + 63 - BitOperations.LeadingZeroCount(starts);
            }

            while (starts != 0)
            {
                var at = block + 1 + BitOperations.TrailingZeroCount(starts);
                starts &= starts - 1;

                // The five symbols from the word start, whatever follows its end: every continuation is set (Add).
                var head = Pack(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref c, at)));
                if ((Unsafe.Add(ref heads4, (nint)((head & ((1 << Head4Bits) - 1)) >> 6)) & 1UL << (int)head) != 0
                    && (Unsafe.Add(ref heads5, (nint)(head >> 6)) & 1UL << (int)head) != 0)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The bits of <paramref name="value"/> where <paramref name="mask"/> is set, packed low (PEXT without BMI2).</summary>
    private static ulong Compress(ulong value, ulong mask)
    {
        ulong result = 0;
        var bit = 0;
        while (mask != 0)
        {
            var low = mask & (ulong)-(long)mask;
            result |= (value & low) != 0 ? 1UL << bit : 0;
            bit++;
            mask &= mask - 1;
        }

        return result;
    }

    /// <summary>A one-character word, or two of one symbol ("ll", "oo"): what a spaced-out word is made of (<c>IsRunMember</c>).</summary>
    private static bool IsMember(byte[] codes, int start) =>
        codes[start] != 0 && (codes[start + 1] == 0 || (codes[start + 2] == 0 && ((codes[start] ^ codes[start + 1]) & 0x1F) == 0));

    /// <summary>A member holding a letter (not only digits).</summary>
    private static bool IsLetterMember(byte[] codes, int start) =>
        (codes[start] & DigitFlag) == 0 || (codes[start + 1] != 0 && (codes[start + 1] & DigitFlag) == 0);

    /// <summary>
    /// Two members side by side (<paramref name="first"/>, <paramref name="second"/>) are apart unless one is a letter
    /// (a spaced-out word, "s u i c i d e"), or, both digits, a word beside them has digits (a leet neighbour may
    /// read them as letters: "k1ll 1 5").
    /// </summary>
    private static bool PairApart(byte[] codes, int first, int second, int n) =>
        !IsLetterMember(codes, first) && !IsLetterMember(codes, second) && !DigitsBeside(codes, first, second, n);

    /// <summary>
    /// Whether the word before <paramref name="first"/> or the word after <paramref name="last"/> has a digit: a leet
    /// neighbour, through which the normaliser may read the digits-only words from first to last as letters.
    /// </summary>
    private static bool DigitsBeside(byte[] codes, int first, int last, int n) =>
        HasDigits(codes, PreviousWord(codes, first)) || HasDigits(codes, NextWord(codes, last, n));

    /// <summary>The position of the <paramref name="k"/>-th set bit of <paramref name="mask"/>.</summary>
    private static int Nth(ulong mask, int k)
    {
        if (Bmi2.X64.IsSupported && !ForceScalar)
        {
            return BitOperations.TrailingZeroCount(Bmi2.X64.ParallelBitDeposit(1UL << k, mask));
        }

        for (var i = 0; i < k; i++)
        {
            mask &= mask - 1;
        }

        return BitOperations.TrailingZeroCount(mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Pack(ulong word)
    {
        if (Bmi2.X64.IsSupported)
        {
            return Bmi2.X64.ParallelBitExtract(word, FiveSymbols);
        }

        return (word & 0x1F) | (word >> 3 & 0x3E0) | (word >> 6 & 0x7C00) | (word >> 9 & 0xF8000) | (word >> 12 & 0x1F00000);
    }

    /// <summary>
    /// Three equal symbols in a row are stretching unless they are the word "www", or digits of a digits-only word
    /// that no neighbour with digits can turn into letters ("2000").
    /// </summary>
    private static bool TriplesAreWww(byte[] codes, int offset, ulong triples, int n)
    {
        while (triples != 0)
        {
            var at = offset + BitOperations.TrailingZeroCount(triples);
            triples &= triples - 1;
            var start = at;
            while (codes[start - 1] != 0)
            {
                start--;
            }

            var end = at;
            while (codes[end] != 0)
            {
                end++;
            }

            if (end - start == 3 && codes[start] == 'w' - 'a' + 1 && codes[start + 1] == codes[start] && codes[start + 2] == codes[start])
            {
                continue;
            }

            for (var k = start; k < end; k++)
            {
                if ((codes[k] & DigitFlag) == 0)
                {
                    return false; // stretched letters, or digits in a word with letters ("d1333")
                }
            }

            if (DigitsBeside(codes, start, start, n))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the word starting at <paramref name="start"/> (0: none) has a digit.</summary>
    private static bool HasDigits(byte[] codes, int start)
    {
        if (start <= 0)
        {
            return false;
        }

        for (var k = start; codes[k] != 0; k++)
        {
            if ((codes[k] & DigitFlag) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The start of the word after the one starting at <paramref name="start"/>, or 0 when there is none.</summary>
    private static int NextWord(byte[] codes, int start, int n)
    {
        var k = start;
        while (codes[k] != 0)
        {
            k++;
        }

        var limit = Math.Min(n + 1, codes.Length - 1);
        while (k < limit && codes[k] == 0)
        {
            k++;
        }

        return k < limit && codes[k] != 0 ? k : 0;
    }

    /// <summary>The start of the word before the one starting at <paramref name="start"/>, or 0 when there is none.</summary>
    private static int PreviousWord(byte[] codes, int start)
    {
        var k = start - 1;
        while (k > 0 && codes[k] == 0)
        {
            k--;
        }

        if (k == 0)
        {
            return 0;
        }

        while (codes[k - 1] != 0)
        {
            k--;
        }

        return k;
    }

    /// <summary>Writes the symbols of <paramref name="text"/> to codes[1..]; returns the marks seen.</summary>
    private static int FoldVector(ReadOnlySpan<char> text, byte[] codes)
    {
        var n = text.Length;
        ref var src = ref MemoryMarshal.GetReference(text);
        ref var dst = ref MemoryMarshal.GetArrayDataReference(codes);
        var seen = Vector512<byte>.Zero;
        var stars = Vector512<byte>.Zero;
        var nonAscii = false;
        if (n < 64)
        {
            Span<char> padded = stackalloc char[64];
            text.CopyTo(padded);
            padded[n..].Clear();
            FoldBlock(ref MemoryMarshal.GetReference(padded), 0, ref dst, 1, ref seen, ref stars, ref nonAscii);
        }
        else
        {
            for (var i = 0; ; i += 64)
            {
                // The last block ends at the text's end, overlapping the one before (same symbols written twice).
                var at = Math.Min(i, n - 64);
                FoldBlock(ref src, at, ref dst, at + 1, ref seen, ref stars, ref nonAscii);
                if (at == n - 64)
                {
                    break;
                }
            }
        }

        var result = nonAscii ? NonAsciiMark : 0;
        result |= stars != Vector512<byte>.Zero ? MaskMark : 0;
        result |= (seen & Vector512.Create(ApostropheMark)) != Vector512<byte>.Zero ? ApostropheMark : 0;
        result |= (seen & Vector512.Create(SpecialMark)) != Vector512<byte>.Zero ? SpecialMark : 0;
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FoldBlock(ref char src, int at, ref byte dst, int to, ref Vector512<byte> seen, ref Vector512<byte> stars, ref bool nonAscii)
    {
        var lo = Vector512.LoadUnsafe(ref Unsafe.As<char, ushort>(ref src), (nuint)at);
        var hi = Vector512.LoadUnsafe(ref Unsafe.As<char, ushort>(ref src), (nuint)(at + 32));
        var bytes = Vector512.Narrow(lo, hi);
        var code = Avx512Vbmi.PermuteVar64x8x2(CodesLow, bytes, CodesHigh);
        stars |= Vector512.Equals(bytes, Vector512.Create((byte)'*')); // also a non-ASCII character ending in 0x2A: harmless
        if (((lo | hi) & Vector512.Create((ushort)0xFF80)) != Vector512<ushort>.Zero)
        {
            // Non-ASCII characters are gaps here; NonAsciiSeparates checks that they are nothing else.
            nonAscii = true;
            var outside = Vector512.Narrow(Vector512.GreaterThan(lo, Vector512.Create((ushort)127)), Vector512.GreaterThan(hi, Vector512.Create((ushort)127)));
            code = Vector512.AndNot(code, outside);
        }

        seen |= code;
        (code & Vector512.Create((byte)0x3F)).StoreUnsafe(ref dst, (nuint)to);
    }

    private static int FoldScalar(ReadOnlySpan<char> text, byte[] codes)
    {
        var marks = 0;
        for (var k = 0; k < text.Length; k++)
        {
            var ch = text[k];
            if (ch >= 128)
            {
                marks |= NonAsciiMark;
                codes[k + 1] = 0;
                continue;
            }

            var code = AsciiCodes[ch];
            marks |= (code & (ApostropheMark | SpecialMark)) | (ch == '*' ? MaskMark : 0);
            codes[k + 1] = (byte)(code & 0x3F);
        }

        return marks;
    }

    /// <summary>
    /// Leet symbols and escapes (<c>$ @ | %</c>) may be letters, so they give up. A '!' is a plain gap when what
    /// follows cannot make it a letter: the end, or an ASCII character other than a letter or <c>$ @ | ! '</c>,
    /// or a '!' not followed by a letter ("omg!!").
    /// </summary>
    private static bool SpecialsSeparate(ReadOnlySpan<char> text)
    {
        for (var index = 0; index < text.Length; index++)
        {
            var c = text[index];
            if (c is not ('$' or '!' or '|' or '@' or '%'))
            {
                continue;
            }

            if (c != '!')
            {
                return false;
            }

            var next = index + 1 < text.Length ? text[index + 1] : ' ';
            var plain = next < 128 && !char.IsAsciiLetter(next) && next is not ('$' or '@' or '|' or '\'' or '!');
            var bang = next == '!' && (index + 2 >= text.Length || (text[index + 2] < 128 && !char.IsAsciiLetter(text[index + 2])));
            if (!plain && !bang)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Each non-ASCII character folds to spaces only (an emoji, '£'), as the fused scan reads them as gaps; '€' may be an e.</summary>
    /// <remarks>Plain loops rather than the span searches, which allocate until the JIT has optimised them.</remarks>
    private static bool NonAsciiSeparates(ReadOnlySpan<char> text, ref int marks)
    {
        for (var i = Next(text, 0, apostrophe: false); i >= 0; i = Next(text, i + 1, apostrophe: false))
        {
            int cp = text[i];

            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                // An emoji between two letters may stand for one ("n🍑des"): MaskedWords reads those.
                if (i > 0 && char.IsAsciiLetter(text[i - 1]) && i + 2 < text.Length && char.IsAsciiLetter(text[i + 2]))
                {
                    marks |= MaskMark;
                }

                cp = char.ConvertToUtf32(text[i], text[i + 1]);
                i++;
            }

            if (cp == '\u20AC')
            {
                return false;
            }

            var fold = CharFolding.Fold(cp);
            if (fold.Length == 0)
            {
                return false;
            }

            foreach (var f in fold)
            {
                if (f != ' ')
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// An apostrophe after a word character and before an ASCII letter is inside the word ("don't" is "dont"): its
    /// slot is dropped from the symbols. Before a digit it may be too ("1'll"): give up (-1). Otherwise it is a gap.
    /// Returns the new length.
    /// </summary>
    private static int JoinApostrophes(ReadOnlySpan<char> text, byte[] codes)
    {
        var n = text.Length;
        var removed = 0;
        for (var k = Next(text, 0, apostrophe: true); k >= 0 && k + 1 < text.Length; k = Next(text, k + 1, apostrophe: true))
        {
            // text[k] is at codes[k + 1 - removed]; the symbol before it is already where it stays.
            var at = k + 1 - removed;
            if (codes[at - 1] == 0)
            {
                continue;
            }

            var next = text[k + 1];
            if (char.IsAsciiDigit(next))
            {
                return -1;
            }

            if (char.IsAsciiLetter(next))
            {
                codes.AsSpan(at + 1, n - k - 1).CopyTo(codes.AsSpan(at));
                removed++;
            }
        }

        return n - removed;
    }

    /// <summary>The index of the next apostrophe (or non-ASCII character) at or after <paramref name="from"/>, or -1.</summary>
    /// <remarks>Written out rather than the span searches, which allocate until the JIT has optimised them.</remarks>
    private static int Next(ReadOnlySpan<char> text, int from, bool apostrophe)
    {
        var i = from;
        if (Vector512.IsHardwareAccelerated)
        {
            ref var src = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
            for (; i + 32 <= text.Length; i += 32)
            {
                var chars = Vector512.LoadUnsafe(ref src, (nuint)i);
                var found = apostrophe
                    ? Vector512.Equals(chars, Vector512.Create((ushort)'\'')).ExtractMostSignificantBits()
                    : Vector512.GreaterThan(chars, Vector512.Create((ushort)127)).ExtractMostSignificantBits();
                if (found != 0)
                {
                    return i + BitOperations.TrailingZeroCount(found);
                }
            }
        }

        for (; i < text.Length; i++)
        {
            if (apostrophe ? text[i] == '\'' : text[i] >= 128)
            {
                return i;
            }
        }

        return -1;
    }

    private bool Add(string pattern)
    {
        if (pattern.AsSpan().ContainsAnyExcept(AnchorAlphabet))
        {
            return true; // cannot occur in a text this filter reads: nothing to anchor
        }

        if (!ChooseAnchor(pattern, out var anchor, out var whole))
        {
            return false;
        }

        Span<int> symbols = stackalloc int[HeadSymbols];
        symbols.Clear();
        var known = Math.Min(anchor.Length, HeadSymbols);
        for (var k = 0; k < known; k++)
        {
            symbols[k] = Symbol(anchor[k]);
        }

        if (anchor.Length < HeadSymbols && whole)
        {
            symbols[anchor.Length] = 0; // the word ends; what follows is a gap and any next word
            known++;
        }

        SetCompletions(symbols, known, from: known);
        Anchors++;
        return true;
    }

    /// <summary>
    /// How seldom the filter would find a pattern's anchor in everyday text (higher: rarer); -1 when it has none.
    /// The detector prefers, of a regex's required literal sets, the one whose commonest literal scores highest.
    /// </summary>
    internal static long AnchorScore(string pattern)
    {
        if (pattern.AsSpan().ContainsAnyExcept(AnchorAlphabet))
        {
            return long.MaxValue; // never in text this filter reads
        }

        return ChooseAnchor(pattern, out var anchor, out var whole) ? WordScore(anchor, whole) : -1;
    }

    /// <summary>How good an anchor a word is: rarer first, then the more of its five head symbols it fixes.</summary>
    private static long WordScore(string word, bool whole) => (long)Rank(word) * 8 + Math.Min(word.Length + (whole ? 1 : 0), HeadSymbols);

    private static readonly System.Buffers.SearchValues<char> AnchorAlphabet = System.Buffers.SearchValues.Create(" abcdefghijklmnopqrstuvwxyz0123456789");

    /// <summary>
    /// The word of a pattern (normalised, padded as the automaton holds it) that the filter looks for, and whether it
    /// must be whole (not a prefix); false when no word of it is sure to start a word of the text.
    /// </summary>
    internal static bool ChooseAnchor(string pattern, out string anchor, out bool whole)
    {
        // The anchor is the word least likely in everyday text: one outside the frequent words if there is one
        // ("how to die" on "die"), else the rarest; then the one whose head is most fixed.
        var leading = pattern.StartsWith(' ');
        var trailing = pattern.EndsWith(' ');
        var words = pattern.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var best = -1;
        var bestScore = long.MinValue;
        for (var i = 0; i < words.Length; i++)
        {
            if (i == 0 && !leading)
            {
                continue; // may start inside a word
            }

            var score = WordScore(words[i], i < words.Length - 1 || trailing);
            if (score > bestScore)
            {
                best = i;
                bestScore = score;
            }
        }

        if (best < 0)
        {
            anchor = string.Empty;
            whole = false;
            return false;
        }

        anchor = words[best];
        whole = best < words.Length - 1 || trailing;
        return true;

    }

    /// <summary>
    /// Sets the head with every symbol at each position the anchor does not fix: a short prefix goes on in any way,
    /// and after a word's end come a gap and any next word, which a text's head holds unmasked.
    /// </summary>
    private void SetCompletions(Span<int> symbols, int known, int from)
    {
        if (from >= HeadSymbols)
        {
            var head = 0;
            for (var k = HeadSymbols - 1; k >= 0; k--)
            {
                head = head << SymbolBits | symbols[k];
            }

            _heads5[head >> 6] |= 1UL << head;
            var head4 = head & ((1 << Head4Bits) - 1);
            _heads4[head4 >> 6] |= 1UL << head4;
            return;
        }

        for (var s = 0; s < SymbolCount; s++)
        {
            symbols[from] = s;
            SetCompletions(symbols, known, from + 1);
        }
    }

    private static int Symbol(char ch) => AsciiCodes[ch] & 0x1F;

    /// <summary>
    /// How uncommon a word is: its place in seeds/dictionary/frequent-words.txt (0: commonest), past the end if it is
    /// not there. One-character words ("i", "u") and numbers count as commonest, and two-letter words the list does not
    /// have ("ur", "od") as fairly common, which that list, made of dictionary words, cannot say.
    /// </summary>
    private static int Rank(string word) =>
        word.Length == 1 || word.All(char.IsAsciiDigit) || GluedWords.IsCommon(word) ? 0
        : FrequentWords.Value.TryGetValue(word, out var rank) ? rank
        : word.Length == 2 ? ShortWordRank // "ur", "jq", "od": no dictionary says; chat has many
        : FrequentWords.Value.Count + 1;

    private const int ShortWordRank = 100;

    private static readonly Lazy<Dictionary<string, int>> FrequentWords = new(LoadFrequentWords, LazyThreadSafetyMode.ExecutionAndPublication);

    private static Dictionary<string, int> LoadFrequentWords()
    {
        using var stream = typeof(QuietTextFilter).Assembly.GetManifestResourceStream("frequent-words.txt")
            ?? throw new InvalidOperationException("The embedded word list frequent-words.txt is missing from " + typeof(QuietTextFilter).Assembly.GetName().Name);
        using var reader = new StreamReader(stream);
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            ranks.TryAdd(line, ranks.Count);
        }

        return ranks;
    }

    private static byte[] BuildAsciiCodes()
    {
        var codes = new byte[128];
        for (var ch = 0; ch < 128; ch++)
        {
            codes[ch] = (char)ch switch
            {
                >= 'a' and <= 'z' => (byte)(ch - 'a' + 1),
                >= 'A' and <= 'Z' => (byte)(ch - 'A' + 1),
                >= '0' and <= '9' => (byte)(DigitFlag | DigitSymbol((char)ch)),
                '\'' => ApostropheMark,
                '$' or '!' or '|' or '@' or '%' => SpecialMark,
                _ => 0,
            };
        }

        return codes;
    }

    private static int DigitSymbol(char digit)
    {
        var letter = TextNormalizer.LeetLetter(digit);
        return letter == digit ? OtherDigit : letter - 'a' + 1;
    }
}
