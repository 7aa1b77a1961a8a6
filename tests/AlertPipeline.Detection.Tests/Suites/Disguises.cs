using System.Text;

namespace AlertPipeline.Detection.Tests.Suites;

/// <summary>
/// The ways pupils (and the device-agent simulator) disguise a phrase, applied deterministically so the
/// obfuscation suite is the same on every run. Each disguise returns the text and the source it arrives as:
/// a search also arrives as a search-engine URL and as a browser window title.
/// </summary>
internal static class Disguises
{
    private const string Vowels = "aeiou";
    private static readonly System.Buffers.SearchValues<char> VowelSet = System.Buffers.SearchValues.Create(Vowels);

    public static IEnumerable<(string Name, string Text, SourceKinds Source)> Of(string phrase, SourceKinds source, Random random)
    {
        var leet = Leet(phrase);
        yield return ("leet", leet, source);
        yield return ("leet-some", LeetSome(phrase, random), source);
        yield return ("spaced", SpaceLongestWord(phrase, ' '), source);
        yield return ("spaced-all", string.Join("   ", phrase.Split(' ').Select(w => Spaced(w, ' '))), source);
        yield return ("dotted", string.Join(' ', phrase.Split(' ').Select(w => Spaced(w, '.'))), source);
        yield return ("glued-underscores", Spaced(phrase.Replace(" ", string.Empty, StringComparison.Ordinal), '_'), source);
        yield return ("hyphenated", SpaceLongestWord(phrase, '-'), source);
        yield return ("plussed", SpaceLongestWord(phrase, '+'), source);
        yield return ("stretched-vowels", StretchVowels(phrase), source);
        yield return ("stretched-doubles", StretchDoubles(phrase, stretchFirstVowel: false), source);
        yield return ("stretched-mixed", StretchDoubles(phrase, stretchFirstVowel: true), source);
        yield return ("spaced+leet", SpaceLongestWord(phrase, ' ', Leet), source);
        yield return ("spaced+stretched", SpaceLongestWord(phrase, ' ', w => string.Join(' ', w.Select(c => VowelSet.Contains(c) ? new string(c, 3) : c.ToString()))), source);
        yield return ("leet+stretched", Leet(StretchVowels(phrase)), source);
        yield return ("full-width", FullWidth(phrase), source);
        yield return ("cyrillic", Cyrillic(phrase), source);
        yield return ("zero-width", ZeroWidth(phrase), source);
        yield return ("mixed-case", new string([.. phrase.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c)]), source);
        if (source == SourceKinds.Search)
        {
            yield return ("url-plus", SearchUrl(phrase), SourceKinds.Url);
            yield return ("url-%20", "https://www.bing.com/search?q=" + Uri.EscapeDataString(phrase) + "&form=QBLH", SourceKinds.Url);
            yield return ("url-plus+spaced", SearchUrl(SpaceLongestWord(phrase, ' ')), SourceKinds.Url);
            yield return ("url-plus+stretched", SearchUrl(StretchVowels(phrase)), SourceKinds.Url);
            yield return ("url-plus+leet", SearchUrl(leet), SourceKinds.Url);
            yield return ("title", phrase + " - Google Search - Google Chrome", SourceKinds.Title);
            yield return ("title+leet", leet + " - Google Search - Google Chrome", SourceKinds.Title);
            yield return ("title+spaced", SpaceLongestWord(phrase, ' ') + " - Google Search - Google Chrome", SourceKinds.Title);
        }
        else
        {
            yield return ("in-context", "new message: " + phrase + " 😭😭", source);
        }
    }

    /// <summary>Every a e i o s t as a digit: "how to" → "h0w 70".</summary>
    public static string Leet(string text) => new([.. text.Select(c => c switch
    {
        'a' => '4',
        'e' => '3',
        'i' => '1',
        'o' => '0',
        's' => '5',
        't' => '7',
        _ => c,
    })]);

    /// <summary>Roughly half of the vowels as digits, the way the simulator and most pupils do it.</summary>
    private static string LeetSome(string text, Random random) => new([.. text.Select(c => c is 'a' or 'e' or 'i' or 'o' && random.Next(2) == 0 ? Leet(c.ToString())[0] : c)]);

    private static string Spaced(string word, char separator) => string.Join(separator, word.ToCharArray());

    /// <summary>"kill yourself" → "kill y o u r s e l f": pupils space out the word they expect to be caught.</summary>
    private static string SpaceLongestWord(string text, char separator, Func<string, string>? inner = null)
    {
        var words = text.Split(' ');
        var longest = Array.IndexOf(words, words.MaxBy(w => w.Length));
        var word = inner is null ? words[longest] : inner(words[longest]);
        words[longest] = word.Contains(' ', StringComparison.Ordinal) ? word : Spaced(word, separator);
        return string.Join(' ', words);
    }

    /// <summary>The last vowel of every word three times: "hooow tooo"; words with a real double letter stay mixed ("schooool").</summary>
    private static string StretchVowels(string text) => string.Join(' ', text.Split(' ').Select(word =>
    {
        var last = word.AsSpan().LastIndexOfAny(VowelSet);
        return last < 0 ? word : string.Concat(word.AsSpan(0, last), new string(word[last], 3), word.AsSpan(last + 1));
    }));

    /// <summary>Double letters stretched to five ("killlll"); optionally the first vowel too ("kiiilllll").</summary>
    private static string StretchDoubles(string text, bool stretchFirstVowel)
    {
        var builder = new StringBuilder();
        foreach (var word in text.Split(' '))
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            var firstVowel = stretchFirstVowel ? word.AsSpan().IndexOfAny(VowelSet) : -1;
            var stretched = false;
            for (var i = 0; i < word.Length; i++)
            {
                if (i + 1 < word.Length && word[i + 1] == word[i] && char.IsLetter(word[i]))
                {
                    builder.Append(word[i], 5);
                    stretched = true;
                    i++;
                }
                else
                {
                    builder.Append(word[i], i == firstVowel ? 3 : 1);
                }
            }

            if (!stretched && !stretchFirstVowel && word.Length > 0 && char.IsLetter(word[^1]))
            {
                builder.Append(word[^1], 3);
            }
        }

        return builder.ToString();
    }

    private static string FullWidth(string text) => new([.. text.Select(c => c switch
    {
        ' ' => '\u3000',
        >= '!' and <= '~' => (char)(c + 0xFEE0),
        _ => c,
    })]);

    private static string Cyrillic(string text) => new([.. text.Select(c => c switch
    {
        'a' => 'а',
        'e' => 'е',
        'o' => 'о',
        'c' => 'с',
        'p' => 'р',
        'x' => 'х',
        'y' => 'у',
        'i' => 'і',
        's' => 'ѕ',
        'j' => 'ј',
        _ => c,
    })]);

    /// <summary>A zero-width joiner after each word's first letter and a zero-width space in its middle.</summary>
    private static string ZeroWidth(string text) => string.Join(' ', text.Split(' ').Select(w => w.Length < 2 ? w
        : w.Length < 4 ? w[..1] + "\u200D" + w[1..]
        : w[..1] + "\u200D" + w[1..(w.Length / 2)] + "\u200B" + w[(w.Length / 2)..]));

    private static string SearchUrl(string query) =>
        "https://www.google.com/search?q=" + Uri.EscapeDataString(query).Replace("%20", "+", StringComparison.Ordinal);
}
