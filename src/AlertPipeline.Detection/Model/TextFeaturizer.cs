using System.Collections.Frozen;

namespace AlertPipeline.Detection.Model;

/// <summary>
/// Turns a text into the hashed sparse features the risk model reads: word unigrams, word bigrams and character
/// trigrams of each word (with word-edge marks, so "suicidal" shares most of its features with "suicide" and a
/// misspelling such as "fuk" with "fuck"). Training and inference call the same code, so the features a weight was
/// learned on are exactly the features it is applied to.
/// </summary>
/// <remarks>
/// Why a hand-written featuriser rather than ML.NET's FeaturizeText at inference: the detection core has no packages
/// and must score ~50,000 short texts a second on one core; the optimiser (SDCA logistic regression) stays ML.NET's.
/// Values are 1/sqrt(number of features emitted), so a text's vector has unit length whatever its length (a two-word
/// search and a long forum post are scored on the same scale). Words past <see cref="MaxWords"/> are ignored.
/// </remarks>
public sealed class TextFeaturizer
{
    /// <summary>Only the first words count: pupils' texts are short, and a forum post's first lines carry its point.</summary>
    public const int MaxWords = 200;

    private const uint UnigramSeed = 0x9E3779B1u;
    private const uint BigramSeed = 0x85EBCA77u;
    private const uint TrigramSeed = 0xC2B2AE3Du;

    private readonly int _mask;

    /// <summary>Names of protected groups (Equality Act 2010 characteristics) that the model must not score by themselves.</summary>
    private static readonly System.Collections.Frozen.FrozenSet<string> IdentityWords = new[]
    {
        "gay", "gays", "lesbian", "lesbians", "bisexual", "bi", "trans", "transgender", "queer", "homosexual", "homosexuals", "lgbt", "lgbtq",
        "muslim", "muslims", "islam", "islamic", "jew", "jews", "jewish", "christian", "christians", "catholic", "catholics", "hindu",
        "hindus", "sikh", "sikhs", "buddhist", "atheist", "atheists", "religion", "religious",
        "black", "blacks", "white", "whites", "asian", "asians", "african", "africans", "arab", "arabs", "mexican", "mexicans",
        "indian", "indians", "chinese", "pakistani", "polish", "romanian", "immigrant", "immigrants", "refugee", "refugees", "gypsy", "traveller", "travellers",
        "disabled", "disability", "autistic", "deaf", "blind",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly System.Collections.Frozen.FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> IdentityTerms =
        IdentityWords.GetAlternateLookup<ReadOnlySpan<char>>();

    public TextFeaturizer(int bucketBits)
    {
        if (bucketBits is < 8 or > 24)
        {
            throw new ArgumentOutOfRangeException(nameof(bucketBits), bucketBits, "bucket bits must be between 8 and 24");
        }

        BucketBits = bucketBits;
        _mask = (1 << bucketBits) - 1;
    }

    public int BucketBits { get; }

    public int Buckets => _mask + 1;

    /// <summary>
    /// Fills <paramref name="buckets"/> with one bucket per emitted feature (repeats allowed) and <paramref name="words"/>
    /// with each word's span in <paramref name="text"/>; returns the value every feature carries.
    /// Per word i, features 3i.. are not kept apart: callers that explain a score re-hash single words and pairs.
    /// </summary>
    public float Featurize(ReadOnlySpan<char> text, List<int> buckets, List<(int Start, int Length)>? words = null)
    {
        buckets.Clear();
        words?.Clear();
        Span<char> word = stackalloc char[64];
        var previous = 0u;
        var hasPrevious = false;
        var count = 0;
        var i = 0;
        while (i < text.Length && count < MaxWords)
        {
            if (!IsWordChar(text[i]))
            {
                i++;
                continue;
            }

            var start = i;
            var length = 0;
            while (i < text.Length && (IsWordChar(text[i]) || (text[i] is '\'' or '’' && i + 1 < text.Length && IsWordChar(text[i + 1]))))
            {
                // Apostrophes are dropped inside a word ("don't" = "dont"), as pupils often leave them out.
                if (text[i] is not ('\'' or '’') && length < word.Length)
                {
                    word[length++] = char.ToLowerInvariant(text[i]);
                }

                i++;
            }

            count++;
            words?.Add((start, i - start));
            var w = word[..length];
            if (IdentityTerms.Contains(w))
            {
                // A protected group's name carries no weight of its own, and no pair is formed across it: in the
                // training data "muslim" or "gay" co-occur with abuse so often that a model would learn the group
                // itself as a risk (neutral "my friend is muslim" scored 0.98 hate before this). What is said about a
                // group ("are disgusting") still counts.
                hasPrevious = false;
                continue;
            }

            var unigram = Hash(w, UnigramSeed);
            buckets.Add((int)(unigram & (uint)_mask));
            if (hasPrevious)
            {
                buckets.Add((int)(Mix(previous, unigram ^ BigramSeed) & (uint)_mask));
            }

            AddTrigrams(w, buckets);
            previous = unigram;
            hasPrevious = true;
        }

        return buckets.Count == 0 ? 0f : 1f / MathF.Sqrt(buckets.Count);
    }

    /// <summary>The bucket of one lower-cased word, as <see cref="Featurize"/> emits it.</summary>
    public int UnigramBucket(ReadOnlySpan<char> lowerWord) => (int)(Hash(lowerWord, UnigramSeed) & (uint)_mask);

    /// <summary>The bucket of a pair of lower-cased words, as <see cref="Featurize"/> emits it.</summary>
    public int BigramBucket(ReadOnlySpan<char> first, ReadOnlySpan<char> second) =>
        (int)(Mix(Hash(first, UnigramSeed), Hash(second, UnigramSeed) ^ BigramSeed) & (uint)_mask);

    /// <summary>A word as <see cref="Featurize"/> reads it: lower-cased, apostrophes dropped, at most 64 characters.</summary>
    public static string WordOf(ReadOnlySpan<char> span)
    {
        Span<char> word = stackalloc char[64];
        var length = 0;
        foreach (var c in span)
        {
            if (c is not ('\'' or '’') && length < word.Length)
            {
                word[length++] = char.ToLowerInvariant(c);
            }
        }

        return new string(word[..length]);
    }

    private void AddTrigrams(ReadOnlySpan<char> w, List<int> buckets)
    {
        // "^ab", "abc", ..., "yz$": the edges mark where a word starts and ends.
        var n = w.Length + 2;
        for (var s = 0; s + 3 <= n; s++)
        {
            var h = TrigramSeed;
            for (var k = s; k < s + 3; k++)
            {
                var c = k == 0 ? '^' : k == n - 1 ? '$' : w[k - 1];
                h = (h ^ c) * 16777619u;
            }

            buckets.Add((int)(Fmix(h) & (uint)_mask));
        }
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c);

    // FNV-1a over the characters, finished with murmur3's mixer so that low bits (the bucket) are well spread.
    private static uint Hash(ReadOnlySpan<char> s, uint seed)
    {
        var h = 2166136261u ^ seed;
        foreach (var c in s)
        {
            h = (h ^ c) * 16777619u;
        }

        return Fmix(h);
    }

    private static uint Mix(uint a, uint b) => Fmix((a * 0xcc9e2d51u) ^ (b + 0x9e3779b9u + (a << 6) + (a >> 2)));

    private static uint Fmix(uint h)
    {
        h ^= h >> 16;
        h *= 0x85ebca6bu;
        h ^= h >> 13;
        h *= 0xc2b2ae35u;
        h ^= h >> 16;
        return h;
    }
}
