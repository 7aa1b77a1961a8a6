using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlertPipeline.Detection.Matching;

/// <summary>
/// A multi-pattern Aho-Corasick automaton with a dense transition table: every (state, symbol) pair
/// has its next state precomputed, failure links folded in, so scanning is one table load per character
/// and no branch except "did this state finish a pattern?". See docs/decisions/0004-detection-engine.md.
/// </summary>
/// <remarks>
/// Characters are first mapped to a small dense alphabet (the characters the patterns use, plus one
/// symbol for "any other"), so the table is states × (alphabet size) rather than states × 65,536.
/// Table values are pre-multiplied by the alphabet size (a row offset, saving a multiply per character)
/// and negated when the target state ends at least one pattern; the root (0) never does, so the sign is free.
/// </remarks>
internal sealed class AhoCorasick
{
    private readonly ushort[] _symbolOf;
    private readonly int _symbols;
    private readonly int[] _table;
    private readonly int[] _outputStart;
    private readonly int[] _outputs;

    private AhoCorasick(ushort[] symbolOf, int symbols, int[] table, int[] outputStart, int[] outputs, int[] lengths)
    {
        _symbolOf = symbolOf;
        _symbols = symbols;
        _table = table;
        _outputStart = outputStart;
        _outputs = outputs;
        PatternLengths = lengths;
        var states = table.Length / symbols;
        if (states <= CompactStateLimit)
        {
            // The compact table: 16-bit state numbers in rows padded to a power of two, so a row of up to 32
            // symbols is one 64-byte cache line and the row offset is a shift; half the int table. States are
            // renumbered so that those ending a pattern come last (breadth-first order otherwise kept): "did a
            // pattern end" is then a compare, not a second load. The fused scan walks this table.
            CompactShift = (int)Math.Ceiling(Math.Log2(symbols));
            var order = Enumerable.Range(0, states).OrderBy(state => outputStart[state + 1] > outputStart[state] ? 1 : 0).ToArray();
            var number = new int[states];
            for (var k = 0; k < states; k++)
            {
                number[order[k]] = k;
            }

            CompactState = order;
            CompactRootStaysOnLetters = Enumerable.Range('a', 26).All(c => table[_symbolOf[c]] == 0);
            CompactFirstOutput = order.Count(state => outputStart[state + 1] == outputStart[state]);
            Compact = new ushort[states << CompactShift];
            for (var state = 0; state < states; state++)
            {
                for (var a = 0; a < symbols; a++)
                {
                    var target = Math.Abs(table[state * symbols + a]) / symbols;
                    Compact[(number[state] << CompactShift) + a] = (ushort)number[target];
                }
            }

            CompactAfterSpace = Compact[_symbolOf[' ']];
            CompactWordStart = BuildWordStart(Compact, _symbolOf, CompactShift, CompactFirstOutput, CompactAfterSpace);
        }
    }

    /// <summary>Automata with more states than this have no compact table (and no fused scan).</summary>
    public const int CompactStateLimit = ushort.MaxValue;

    /// <summary>The 16-bit transition table (compact state numbers), or null when there are more than <see cref="CompactStateLimit"/> states.</summary>
    public ushort[]? Compact { get; }

    /// <summary>log2 of a compact row's length.</summary>
    public int CompactShift { get; }

    /// <summary>Compact state numbers from this one on end at least one pattern.</summary>
    public int CompactFirstOutput { get; }

    /// <summary>
    /// No pattern starts with a letter (every list pattern starts with its bounding space), so inside a word
    /// the walk, once back at the root, stays there until the next separator: the fused scan can stop
    /// looking letters up until then.
    /// </summary>
    public bool CompactRootStaysOnLetters { get; }

    /// <summary>The compact state after a space read at the root: where every word not inside a phrase starts.</summary>
    public int CompactAfterSpace { get; }

    /// <summary>
    /// The compact state after <see cref="CompactAfterSpace"/> and three letters a–z, indexed by
    /// <c>(l1 * 26 + l2) * 26 + l3</c>; <see cref="WordStartUnknown"/> when a pattern ends on the way (the walk
    /// must then step and report). One load, addressed by the letters alone, replaces three dependent table loads
    /// at the start of most words. Null without a compact table.
    /// </summary>
    public ushort[]? CompactWordStart { get; }

    /// <summary>A <see cref="CompactWordStart"/> entry the walk must step letter by letter (never a state number: states are fewer).</summary>
    public const ushort WordStartUnknown = ushort.MaxValue;

    private static ushort[] BuildWordStart(ushort[] compact, ushort[] symbolOf, int shift, int firstOutput, int afterSpace)
    {
        var start = new ushort[26 * 26 * 26];
        for (var l1 = 0; l1 < 26; l1++)
        {
            var s1 = compact[(afterSpace << shift) + symbolOf['a' + l1]];
            for (var l2 = 0; l2 < 26; l2++)
            {
                var s2 = compact[(s1 << shift) + symbolOf['a' + l2]];
                for (var l3 = 0; l3 < 26; l3++)
                {
                    var s3 = compact[(s2 << shift) + symbolOf['a' + l3]];
                    var reports = afterSpace >= firstOutput || s1 >= firstOutput || s2 >= firstOutput || s3 >= firstOutput;
                    start[((l1 * 26) + l2) * 26 + l3] = reports ? WordStartUnknown : s3;
                }
            }
        }

        return start;
    }

    /// <summary>Compact state number → state (for <see cref="Report"/>).</summary>
    public int[]? CompactState { get; }

    /// <summary>Character → symbol (0 = a character no pattern contains); 65,536 entries.</summary>
    public ushort[] SymbolOf => _symbolOf;

    public IReadOnlyList<int> PatternLengths { get; }

    public int StateCount => _table.Length / _symbols;

    public int AlphabetSize => _symbols;

    /// <summary>Builds the automaton. Pattern ids are indexes into <paramref name="patterns"/>; empty patterns are not allowed.</summary>
    public static AhoCorasick Build(IReadOnlyList<string> patterns)
    {
        var symbolOf = new ushort[char.MaxValue + 1];
        var symbols = 1; // 0 = a character no pattern contains
        foreach (var pattern in patterns)
        {
            if (pattern.Length == 0)
            {
                throw new ArgumentException("Empty patterns cannot be matched.", nameof(patterns));
            }

            foreach (var c in pattern)
            {
                if (symbolOf[c] == 0)
                {
                    symbolOf[c] = checked((ushort)symbols++);
                }
            }
        }

        // The trie, with sparse children while building.
        var children = new List<Dictionary<int, int>> { new() };
        var ends = new List<List<int>?> { null };
        for (var p = 0; p < patterns.Count; p++)
        {
            var state = 0;
            foreach (var c in patterns[p])
            {
                var symbol = symbolOf[c];
                if (!children[state].TryGetValue(symbol, out var next))
                {
                    next = children.Count;
                    children.Add([]);
                    ends.Add(null);
                    children[state][symbol] = next;
                }

                state = next;
            }

            (ends[state] ??= []).Add(p);
        }

        var stateCount = children.Count;
        var delta = new int[checked(stateCount * symbols)];
        var fail = new int[stateCount];
        var outputs = new List<int>[stateCount];
        outputs[0] = [];

        // Breadth-first, so a state's failure target (always shallower) has its row complete before it is read.
        var queue = new Queue<int>();
        queue.Enqueue(0);
        while (queue.Count > 0)
        {
            var u = queue.Dequeue();
            var row = u * symbols;
            var failRow = fail[u] * symbols;
            for (var a = 0; a < symbols; a++)
            {
                if (children[u].TryGetValue(a, out var v))
                {
                    fail[v] = u == 0 ? 0 : delta[failRow + a];
                    outputs[v] = [.. ends[v] ?? [], .. outputs[fail[v]]];
                    delta[row + a] = v;
                    queue.Enqueue(v);
                }
                else
                {
                    delta[row + a] = u == 0 ? 0 : delta[failRow + a];
                }
            }
        }

        var outputStart = new int[stateCount + 1];
        var flat = new List<int>();
        for (var s = 0; s < stateCount; s++)
        {
            outputStart[s] = flat.Count;
            flat.AddRange(outputs[s]);
        }

        outputStart[stateCount] = flat.Count;
        var table = new int[delta.Length];
        for (var i = 0; i < delta.Length; i++)
        {
            var target = delta[i];
            var encoded = target * symbols;
            table[i] = outputs[target].Count > 0 ? -encoded : encoded;
        }

        return new AhoCorasick(symbolOf, symbols, table, outputStart, [.. flat], [.. patterns.Select(p => p.Length)]);
    }

    /// <summary>
    /// Appends one (pattern id, end index exclusive) pair per occurrence of every pattern in <paramref name="text"/>.
    /// Allocates nothing unless <paramref name="hits"/> has to grow.
    /// </summary>
    public void Scan(ReadOnlySpan<char> text, HitList hits)
    {
        ref var table = ref MemoryMarshal.GetArrayDataReference(_table);
        ref var symbolOf = ref MemoryMarshal.GetArrayDataReference(_symbolOf);
        var state = 0;
        for (var i = 0; i < text.Length; i++)
        {
            // symbolOf has 65,536 entries, so any char indexes it; state + symbol stays inside the table by construction.
            var next = Unsafe.Add(ref table, state + Unsafe.Add(ref symbolOf, text[i]));
            if (next < 0)
            {
                next = -next;
                Report(next / _symbols, i + 1, hits);
            }

            state = next;
        }
    }

    /// <summary>
    /// Like <see cref="Scan"/> on <c>" " + text + " "</c> without building that string: patterns written with a
    /// leading (and trailing) space then match only at word starts (and ends). Ends are reported in the
    /// coordinates of the padded text.
    /// </summary>
    public void ScanPadded(ReadOnlySpan<char> text, HitList hits)
    {
        if (Compact is not null)
        {
            ScanPaddedCompact(text, hits);
            return;
        }

        var state = Step(0, ' ', 0, hits);
        for (var i = 0; i < text.Length; i++)
        {
            state = Step(state, text[i], i + 1, hits);
        }

        Step(state, ' ', text.Length + 1, hits);
    }

    private void ScanPaddedCompact(ReadOnlySpan<char> text, HitList hits)
    {
        ref var table = ref MemoryMarshal.GetArrayDataReference(Compact!);
        ref var symbolOf = ref MemoryMarshal.GetArrayDataReference(_symbolOf);
        var shift = CompactShift;
        var firstOutput = CompactFirstOutput;
        int state = Unsafe.Add(ref table, _symbolOf[' ']);
        if (state >= firstOutput)
        {
            Report(CompactState![state], 1, hits);
        }

        for (var i = 0; i < text.Length; i++)
        {
            state = Unsafe.Add(ref table, (state << shift) + Unsafe.Add(ref symbolOf, text[i]));
            if (state >= firstOutput)
            {
                Report(CompactState![state], i + 2, hits);
            }
        }

        state = Unsafe.Add(ref table, (state << shift) + _symbolOf[' ']);
        if (state >= firstOutput)
        {
            Report(CompactState![state], text.Length + 2, hits);
        }
    }

    private int Step(int state, char c, int position, HitList hits)
    {
        var next = _table[state + _symbolOf[c]];
        if (next < 0)
        {
            next = -next;
            Report(next / _symbols, position + 1, hits);
        }

        return next;
    }

    /// <summary>The patterns that end in <paramref name="state"/>.</summary>
    public ReadOnlySpan<int> OutputsOf(int state) => _outputs.AsSpan(_outputStart[state], _outputStart[state + 1] - _outputStart[state]);

    /// <summary>Appends every pattern that ends in <paramref name="state"/> (a state number, not a row offset).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Report(int state, int end, HitList hits)
    {
        for (var k = _outputStart[state]; k < _outputStart[state + 1]; k++)
        {
            hits.Add(_outputs[k], end);
        }
    }
}

/// <summary>A growable list of (pattern, end) pairs, reused between scans.</summary>
internal sealed class HitList
{
    private int[] _pairs = new int[64];

    public int Count { get; private set; }

    public int Pattern(int i) => _pairs[2 * i];

    public int End(int i) => _pairs[2 * i + 1];

    public void Clear() => Count = 0;

    public void Add(int pattern, int end)
    {
        if (2 * Count + 2 > _pairs.Length)
        {
            Array.Resize(ref _pairs, _pairs.Length * 2);
        }

        _pairs[2 * Count] = pattern;
        _pairs[2 * Count + 1] = end;
        Count++;
    }
}
