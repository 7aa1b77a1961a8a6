namespace AlertPipeline.Detection.Normalization;

/// <summary>
/// Normalised characters plus, for each, the index in the original text it came from.
/// Reused across scans (one per thread) so normalising allocates nothing once warmed up.
/// </summary>
internal sealed class NormalizedBuffer
{
    // Buffers larger than this are dropped after use so one 16 KiB event does not pin memory per thread.
    private const int RetainLimit = 64 * 1024;

    public NormalizedBuffer(int capacity = 256)
    {
        Chars = new char[capacity];
        Map = new int[capacity];
    }

    public char[] Chars { get; private set; }

    /// <summary><c>Map[k]</c> is the index in the original text of the code unit that produced <c>Chars[k]</c>.</summary>
    public int[] Map { get; private set; }

    public int Length { get; set; }

    /// <summary>Some letter occurs three or more times in a row ("diiiie"): the stretched variants are worth scanning.</summary>
    public bool HasStretchedLetters { get; set; }

    /// <summary>
    /// For the squeezed variant only (<see cref="TextNormalizer.SqueezeRuns(NormalizedBuffer, NormalizedBuffer)"/>):
    /// <c>Stretched[k]</c> is true when <c>Chars[k]</c> stands for a run of three or more identical letters.
    /// </summary>
    public bool[]? Stretched { get; private set; }

    /// <summary>
    /// Output positions, in increasing order, just after a leading "a", "i" or "u" of a joined spaced-letter run
    /// ("i w a n t" → "iwant", split point 1) or just before a trailing one ("m a k e a" → "makea"): the pupil
    /// may have meant that one-letter word beside a spaced word, so the detector also scans the text with a
    /// space inserted there.
    /// </summary>
    public List<int> SplitPoints { get; } = [];

    /// <summary>
    /// <c>Joined[k]</c> (valid while <see cref="HasJoins"/>): the normaliser joined <c>Chars[k - 1]</c> and <c>Chars[k]</c>
    /// across something the pupil typed between them: a separator of a spaced-letter run ("k_i_l_l_m_y") or an
    /// invisible character ("kill\u200Bmyself"). A word boundary may have been meant there; see the glued variant
    /// in docs/decisions/0004-detection-engine.md.
    /// </summary>
    public bool[]? Joined { get; private set; }

    /// <summary>Some characters were joined (<see cref="Joined"/>): the glued variant is worth scanning.</summary>
    public bool HasJoins { get; private set; }

    public ReadOnlySpan<char> Text => Chars.AsSpan(0, Length);

    public void Reset(int expectedLength)
    {
        Length = 0;
        HasStretchedLetters = false;
        HasJoins = false;
        SplitPoints.Clear();
        if (Chars.Length < expectedLength || Chars.Length > RetainLimit && expectedLength <= RetainLimit)
        {
            var size = Math.Max(expectedLength, 256);
            Chars = new char[size];
            Map = new int[size];
            Stretched = null;
            Joined = null;
        }
    }

    /// <summary>Records that <c>Chars[k - 1]</c> and <c>Chars[k]</c> were joined; the first join of a text clears what an earlier text left.</summary>
    public void MarkJoined(int k)
    {
        if (!HasJoins)
        {
            if (Joined is null || Joined.Length < Chars.Length)
            {
                Joined = new bool[Chars.Length];
            }
            else
            {
                Array.Clear(Joined);
            }

            HasJoins = true;
        }

        Joined![k] = true;
    }

    /// <summary>Whether <paramref name="k"/> is a join point (<see cref="Joined"/>); false at the ends.</summary>
    public bool IsJoinedAt(int k) => HasJoins && k > 0 && k < Length && Joined![k];

    /// <summary>Moves join marks with characters the normaliser moved (a joined run shrinks the text behind it).</summary>
    public void MoveJoined(int from, int to, int count, int clearFrom, int clearTo)
    {
        if (!HasJoins)
        {
            return;
        }

        Array.Copy(Joined!, from, Joined!, to, count);
        Array.Clear(Joined!, clearFrom, clearTo - clearFrom);
    }

    public bool[] EnsureStretched()
    {
        if (Stretched is null || Stretched.Length < Chars.Length)
        {
            Stretched = new bool[Chars.Length];
        }

        return Stretched;
    }

    public void Grow(int needed)
    {
        if (needed <= Chars.Length)
        {
            return;
        }

        var size = Math.Max(needed, Chars.Length * 2);
        var chars = new char[size];
        var map = new int[size];
        Chars.AsSpan(0, Length).CopyTo(chars);
        Map.AsSpan(0, Length).CopyTo(map);
        Chars = chars;
        Map = map;
        Stretched = null;
        if (HasJoins)
        {
            var joined = new bool[size];
            Joined!.AsSpan(0, Length).CopyTo(joined);
            Joined = joined;
        }
        else
        {
            Joined = null;
        }
    }

    /// <summary>
    /// Maps a span of normalised characters back to the original text. The end extends over the whole
    /// code point (surrogate pairs), any marks or invisibles that followed it, and the rest of a stretched
    /// letter run, so a highlight covers what the pupil actually typed.
    /// </summary>
    public (int Start, int Length) ToOriginal(string original, int start, int length)
    {
        var origStart = Map[start];
        var last = Map[start + length - 1];
        var end = last + (char.IsHighSurrogate(original[last]) && last + 1 < original.Length ? 2 : 1);
        var lastChar = Chars[start + length - 1];
        while (end < original.Length)
        {
            var c = original[end];
            if (CharFolding.Fold(c).Length == 0 && !char.IsSurrogate(c))
            {
                end++;
            }
            else if (char.IsLetter(lastChar) && char.ToLowerInvariant(c) == lastChar)
            {
                end++;
            }
            else
            {
                break;
            }
        }

        return (origStart, end - origStart);
    }
}
