using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Simulator;

/// <summary>
/// Makes pupils' device activity: searches, pages, window titles, typing and chat, with a configured
/// share of concerning content. The same seed and clock give the same events, byte for byte.
/// Not thread-safe: one generator feeds one run.
/// </summary>
internal sealed class ActivityGenerator
{
    public const string AgentVersion = "sim/1.0";

    /// <summary>Agents report what happened a moment ago, never in the future of the server clock.</summary>
    private const int MaxAgeMilliseconds = 2000;

    // One Random for everything, drawn in a fixed order, is what makes a seed reproduce a run.
    private readonly Random _random;
    private readonly TimeProvider _time;
    private readonly ScreenshotRenderer? _renderer;
    private readonly double _concerningShare;
    private readonly Pupil[] _pupils;
    private long _sequence;

    public ActivityGenerator(IOptions<SimulatorOptions> options, TimeProvider time, ScreenshotRenderer renderer)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var o = options.Value;
        _random = new Random(o.Seed);
        _time = time;
        _renderer = o.Screenshots ? renderer : null;
        _concerningShare = o.ConcerningShare;
        RunId = string.IsNullOrEmpty(o.RunId)
            ? string.Create(CultureInfo.InvariantCulture, $"{time.GetUtcNow():yyyyMMddHHmmss}s{o.Seed}")
            : o.RunId;
        _pupils = [.. o.ResolveSchoolIds().SelectMany(school => MakePupils(school, o.PupilsPerSchool, o.DevicesPerSchool))];
    }

    /// <summary>The middle part of every event id of this run.</summary>
    public string RunId { get; }

    public IReadOnlyList<Pupil> Pupils => _pupils;

    public SimulatedEvent Next()
    {
        var pupil = _pupils[_random.Next(_pupils.Length)];
        if (_random.NextDouble() < 0.15)
        {
            pupil.Topic = Pick(ActivityCorpus.Topics);
        }

        var concerning = _random.NextDouble() < _concerningShare;
        var activity = concerning ? Concerning() : Benign(pupil.Topic);

        var occurredAt = _time.GetUtcNow().AddMilliseconds(-_random.Next(MaxAgeMilliseconds));
        var json = new JsonObject
        {
            ["eventId"] = $"sim-{RunId}-{++_sequence:D8}",
            ["schoolId"] = pupil.SchoolId,
            ["deviceId"] = pupil.DeviceId,
            ["userLogin"] = pupil.Login,
            ["occurredAt"] = occurredAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
            ["source"] = activity.Source,
            ["text"] = activity.Text,
            ["app"] = activity.App,
        };
        if (activity.Url is not null)
        {
            json["url"] = activity.Url;
        }

        json["agentVersion"] = AgentVersion;

        var screenshot = activity.Category is null ? null
            : _renderer?.Render(activity.WindowTitle, activity.Url ?? string.Empty, activity.Text);
        return new SimulatedEvent(json, activity.Category, screenshot);
    }

    private Activity Benign(Topic topic)
    {
        var roll = _random.NextDouble();
        if (roll < 0.20)
        {
            var query = _random.NextDouble() < 0.15 ? Pick(ActivityCorpus.TrapSearches) : topic.Search;
            return Search(query, category: null);
        }

        if (roll < 0.40)
        {
            var url = _random.Next(4) switch
            {
                0 => GoogleSearchUrl(topic.Search),
                1 => "https://www.bbc.co.uk/bitesize/" + topic.BitesizePath,
                2 => "https://en.wikipedia.org/wiki/" + topic.WikiArticle,
                _ => "https://www.youtube.com/watch?v=" + VideoId(),
            };
            return new Activity("url", url, "chrome", url, "Google Chrome", null);
        }

        if (roll < 0.60)
        {
            var (title, app) = _random.Next(5) switch
            {
                0 => ($"Microsoft Word - {topic.Document}.docx", "winword"),
                1 => ($"{topic.Search} - Google Search - Google Chrome", "chrome"),
                2 => ("YouTube - Google Chrome", "chrome"),
                3 => ($"{Pick(ActivityCorpus.YouTubeVideos)} - YouTube - Google Chrome", "chrome"),
                _ => Pick(ActivityCorpus.AppTitles),
            };
            return new Activity("title", title, app, null, title, null);
        }

        if (roll < 0.75)
        {
            var words = topic.Sentence.Split(' ');
            var typed = string.Join(' ', words.Take(_random.Next(words.Length / 2, words.Length + 1)));
            return new Activity("typed", typed, "winword", null, $"Microsoft Word - {topic.Document}.docx", null);
        }

        if (roll < 0.85)
        {
            var bitesize = _random.Next(2) == 0;
            var url = bitesize ? "https://www.bbc.co.uk/bitesize/" + topic.BitesizePath : "https://en.wikipedia.org/wiki/" + topic.WikiArticle;
            var page = bitesize ? "BBC Bitesize" : "Wikipedia";
            return new Activity("screen", $"{page} - {topic.Search}. {topic.Sentence}", "chrome", url, $"{page} - Google Chrome", null);
        }

        var app2 = Pick(ActivityCorpus.ChatApps);
        return new Activity("chat", Pick(ActivityCorpus.ChatMessages), app2, null, app2, null);
    }

    private Activity Concerning()
    {
        // Category first, then phrase, so every category is represented whatever its number of phrases.
        var category = Pick(ActivityCorpus.Categories);
        var phrases = ActivityCorpus.Concerning.Where(p => p.Category == category).ToArray();
        var phrase = Pick(phrases);
        var text = _random.NextDouble() < 0.2 ? Obfuscate(phrase.Text) : phrase.Text;

        if (phrase.Use == ConcerningUse.Search)
        {
            return _random.Next(5) switch
            {
                0 => new Activity("url", GoogleSearchUrl(text), "chrome", GoogleSearchUrl(text), "Google Chrome", category),
                1 => new Activity("title", $"{text} - Google Search - Google Chrome", "chrome", GoogleSearchUrl(text),
                    $"{text} - Google Search - Google Chrome", category),
                _ => Search(text, category),
            };
        }

        var app = Pick(ActivityCorpus.ChatApps);
        return _random.Next(5) switch
        {
            0 => new Activity("typed", text, app, null, app, category),
            1 => new Activity("screen", $"{app} - new message: {text}", app, null, app, category),
            _ => new Activity("chat", text, app, null, app, category),
        };
    }

    private static Activity Search(string query, string? category) =>
        new("search", query, "chrome", GoogleSearchUrl(query), $"{query} - Google Search - Google Chrome", category);

    /// <summary>The disguises pupils use: leetspeak, spaced letters, stretched vowels.</summary>
    private string Obfuscate(string text) => _random.Next(3) switch
    {
        0 => new string([.. text.Select(c => c switch { 'i' => '1', 'e' => '3', 'o' => '0', 'a' => '4', _ => c })]),
        1 => SpaceOutLongestWord(text),
        _ => StretchVowels(text),
    };

    /// <summary>"kill yourself" becomes "kill y o u r s e l f": pupils space out the one word they expect to be caught.</summary>
    private static string SpaceOutLongestWord(string text)
    {
        var words = text.Split(' ');
        var longest = Array.IndexOf(words, words.MaxBy(w => w.Length));
        words[longest] = string.Join(' ', words[longest].ToCharArray());
        return string.Join(' ', words);
    }

    private static string StretchVowels(string text)
    {
        var builder = new StringBuilder(text.Length + 8);
        foreach (var word in text.Split(' '))
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            var last = word.LastIndexOfAny(['a', 'e', 'i', 'o', 'u']);
            builder.Append(last < 0 ? word : string.Concat(word.AsSpan(0, last), new string(word[last], 3), word.AsSpan(last + 1)));
        }

        return builder.ToString();
    }

    private static string GoogleSearchUrl(string query) =>
        "https://www.google.com/search?q=" + Uri.EscapeDataString(query).Replace("%20", "+", StringComparison.Ordinal);

    private string VideoId()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return string.Create(11, _random, (span, random) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[random.Next(alphabet.Length)];
            }
        });
    }

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];

    private IEnumerable<Pupil> MakePupils(string schoolId, int count, int devices)
    {
        var prefix = new string([.. schoolId.Where(char.IsAsciiLetterOrDigit).Take(3)]).ToLowerInvariant();
        if (prefix.Length == 0)
        {
            prefix = "sch";
        }

        var devicePrefix = prefix.ToUpperInvariant();
        var logins = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var year = 7 + _random.Next(5);
            var first = Pick(ActivityCorpus.FirstNames);
            var surname = Pick(ActivityCorpus.Surnames);
            var login = $"{prefix}.y{year}.{first[0]}{surname}";
            for (var n = 2; !logins.Add(login); n++)
            {
                login = $"{prefix}.y{year}.{first[0]}{surname}{n}";
            }

            var device = string.Create(CultureInfo.InvariantCulture, $"{devicePrefix}-LT-{i % devices + 1:D4}");
            yield return new Pupil(schoolId, login, device) { Topic = Pick(ActivityCorpus.Topics) };
        }
    }

    /// <summary>A simulated pupil and the homework topic they are on at the moment.</summary>
    internal sealed class Pupil(string schoolId, string login, string deviceId)
    {
        public string SchoolId { get; } = schoolId;

        public string Login { get; } = login;

        public string DeviceId { get; } = deviceId;

        public Topic Topic { get; set; } = ActivityCorpus.Topics[0];
    }

    private sealed record Activity(string Source, string Text, string App, string? Url, string WindowTitle, string? Category);
}
