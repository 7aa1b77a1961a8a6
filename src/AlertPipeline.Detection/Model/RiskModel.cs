using System.Text;

namespace AlertPipeline.Detection.Model;

/// <summary>One phrase of a text and how much it pushed a category's score (in log-odds).</summary>
public sealed record ModelPhrase(string Text, int Start, int Length, float Weight);

/// <summary>
/// The learned risk model: one calibrated linear classifier per category ("head") over <see cref="TextFeaturizer"/>
/// features. Weights are learned by ML.NET (host side, <c>alertpipeline model train</c>); this type only scores, so the
/// core stays free of packages and I/O: the host opens the artefact and passes the stream to <see cref="Read"/>.
/// Thread-safe: scoring uses per-thread scratch space and reads the weights only.
/// </summary>
public sealed class RiskModel
{
    private const int Magic = 0x4D525041; // "APRM"
    private const int FormatVersion = 1;

    [ThreadStatic]
    private static List<int>? t_buckets;

    // Weights laid out bucket-major: all heads of one bucket side by side, so a feature costs one cache line.
    private readonly float[] _weights;
    private readonly float[] _bias;
    private readonly float[] _slope;
    private readonly float[] _offset;

    public RiskModel(int bucketBits, IReadOnlyList<string> categories, float[] weights, float[] bias, float[] slope, float[] offset, string description)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(weights);
        Featurizer = new TextFeaturizer(bucketBits);
        if (categories.Count == 0 || weights.Length != Featurizer.Buckets * categories.Count
            || bias.Length != categories.Count || slope.Length != categories.Count || offset.Length != categories.Count)
        {
            throw new ArgumentException("risk model: weights, biases and calibration must have one value per bucket and category");
        }

        Categories = categories;
        _weights = weights;
        _bias = bias;
        _slope = slope;
        _offset = offset;
        Description = description;
    }

    /// <summary>The category of each head, as the keyword lists name it ("suicide", "self-harm").</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>What the model was trained on and how (written by the trainer; shown by <c>model info</c>).</summary>
    public string Description { get; }

    public TextFeaturizer Featurizer { get; }

    /// <summary>The index of a category's head, or -1.</summary>
    public int IndexOf(string category)
    {
        for (var h = 0; h < Categories.Count; h++)
        {
            if (string.Equals(Categories[h], category, StringComparison.Ordinal))
            {
                return h;
            }
        }

        return -1;
    }

    /// <summary>Fills <paramref name="probabilities"/> (one per head) for <paramref name="text"/>. Allocates nothing.</summary>
    public void Score(ReadOnlySpan<char> text, Span<float> probabilities)
    {
        var heads = Categories.Count;
        if (probabilities.Length < heads)
        {
            throw new ArgumentException($"risk model: need room for {heads} probabilities", nameof(probabilities));
        }

        var buckets = t_buckets ??= new List<int>(256);
        var value = Featurizer.Featurize(text, buckets);
        Span<float> raw = stackalloc float[heads];
        raw.Clear();
        var weights = _weights.AsSpan();
        foreach (var b in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buckets))
        {
            var row = weights.Slice(b * heads, heads);
            for (var h = 0; h < heads; h++)
            {
                raw[h] += row[h];
            }
        }

        for (var h = 0; h < heads; h++)
        {
            probabilities[h] = Calibrate(h, (raw[h] * value) + _bias[h]);
        }
    }

    /// <summary>The raw (uncalibrated) score of one head from a featurised text; for the trainer's parity check.</summary>
    public float RawScore(int head, IReadOnlyList<int> buckets, float value)
    {
        var sum = 0f;
        foreach (var b in buckets)
        {
            sum += _weights[(b * Categories.Count) + head];
        }

        return (sum * value) + _bias[head];
    }

    /// <summary>The probability a head gives a raw score.</summary>
    public float Calibrate(int head, float raw) => 1f / (1f + MathF.Exp(-((_slope[head] * raw) + _offset[head])));

    /// <summary>
    /// The words and word pairs of <paramref name="text"/> that pushed <paramref name="category"/>'s score up most,
    /// strongest first, at most <paramref name="count"/>, not overlapping: the "why" shown with a model alert.
    /// </summary>
    public IReadOnlyList<ModelPhrase> StrongestPhrases(string text, string category, int count = 3)
    {
        ArgumentNullException.ThrowIfNull(text);
        var head = IndexOf(category);
        if (head < 0 || count <= 0)
        {
            return [];
        }

        var buckets = new List<int>();
        var words = new List<(int Start, int Length)>();
        Featurizer.Featurize(text, buckets, words);
        var lower = words.Select(w => TextFeaturizer.WordOf(text.AsSpan(w.Start, w.Length))).ToArray();
        var single = new float[words.Count];
        var one = new List<int>();
        for (var i = 0; i < words.Count; i++)
        {
            // A word's own weight: its unigram plus its character trigrams, as the featuriser emitted them.
            Featurizer.Featurize(lower[i], one);
            single[i] = one.Sum(b => _weights[(b * Categories.Count) + head]);
        }

        var candidates = new List<(int First, int Last, float Weight)>();
        for (var i = 0; i < words.Count; i++)
        {
            candidates.Add((i, i, single[i]));
            if (i + 1 < words.Count)
            {
                var pair = _weights[(Featurizer.BigramBucket(lower[i], lower[i + 1]) * Categories.Count) + head];
                candidates.Add((i, i + 1, single[i] + single[i + 1] + pair));
            }
        }

        var taken = new bool[words.Count];
        var chosen = new List<ModelPhrase>();
        foreach (var (first, last, weight) in candidates.OrderByDescending(c => c.Weight / Math.Sqrt(c.Last - c.First + 1)))
        {
            if (chosen.Count == count || weight <= 0)
            {
                break;
            }

            if (taken[first] || taken[last])
            {
                continue;
            }

            taken[first] = taken[last] = true;
            var start = words[first].Start;
            var length = words[last].Start + words[last].Length - start;
            chosen.Add(new ModelPhrase(text.Substring(start, length), start, length, weight));
        }

        return chosen;
    }

    /// <summary>Writes the artefact: a small header, then only the buckets with a non-zero weight, as half floats.</summary>
    public void Write(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(Featurizer.BucketBits);
        writer.Write(Description);
        writer.Write(Categories.Count);
        for (var h = 0; h < Categories.Count; h++)
        {
            writer.Write(Categories[h]);
            writer.Write(_bias[h]);
            writer.Write(_slope[h]);
            writer.Write(_offset[h]);
        }

        var heads = Categories.Count;
        var nonZero = Enumerable.Range(0, Featurizer.Buckets).Where(b => Enumerable.Range(0, heads).Any(h => (Half)_weights[(b * heads) + h] != Half.Zero)).ToList();
        writer.Write(nonZero.Count);
        var previous = 0;
        foreach (var b in nonZero)
        {
            writer.Write7BitEncodedInt(b - previous);
            previous = b;
            for (var h = 0; h < heads; h++)
            {
                writer.Write((Half)_weights[(b * heads) + h]);
            }
        }
    }

    /// <summary>Reads an artefact written by <see cref="Write"/>; a damaged or foreign stream is a clear error.</summary>
    public static RiskModel Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            if (reader.ReadInt32() != Magic)
            {
                throw new InvalidDataException("risk model: not a risk model artefact (bad magic number)");
            }

            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"risk model: format version {version} is not supported (expected {FormatVersion})");
            }

            var bits = reader.ReadInt32();
            if (bits is < 8 or > 24)
            {
                throw new InvalidDataException($"risk model: bucket bits {bits} out of range 8-24");
            }

            var description = reader.ReadString();
            var heads = reader.ReadInt32();
            if (heads is < 1 or > 64)
            {
                throw new InvalidDataException($"risk model: {heads} categories is out of range 1-64");
            }

            var categories = new string[heads];
            float[] bias = new float[heads], slope = new float[heads], offset = new float[heads];
            for (var h = 0; h < heads; h++)
            {
                categories[h] = reader.ReadString();
                bias[h] = reader.ReadSingle();
                slope[h] = reader.ReadSingle();
                offset[h] = reader.ReadSingle();
            }

            var buckets = 1 << bits;
            var weights = new float[buckets * heads];
            var count = reader.ReadInt32();
            var b = 0;
            for (var i = 0; i < count; i++)
            {
                b += reader.Read7BitEncodedInt();
                if (b >= buckets)
                {
                    throw new InvalidDataException($"risk model: bucket {b} out of range (the model has {buckets})");
                }

                for (var h = 0; h < heads; h++)
                {
                    weights[(b * heads) + h] = (float)reader.ReadHalf();
                }
            }

            return new RiskModel(bits, categories, weights, bias, slope, offset, description);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("risk model: the artefact is truncated", ex);
        }
    }
}
