using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace AlertPipeline.Model;

/// <summary>
/// One labelled text. <see cref="Labels"/> has one value per <see cref="TrainingCorpus.Heads"/> entry: 1 concerning in
/// that category, 0 not, -1 unknown (the source says nothing about it, so that head neither learns from nor is scored
/// on this text). <see cref="HeldOut"/>: never trained on by the shipped recipe; used for the model card's figures.
/// </summary>
internal sealed record LabelledText(string Text, string Source, bool HeldOut, sbyte[] Labels);

/// <summary>
/// Reads the labelled files of <c>../shared/training</c> (and Davidson from <c>../shared/eval</c>) into
/// <see cref="LabelledText"/>, mapping each source's own labels onto the model's categories. The mapping and its
/// caveats are in <c>seeds/models/README.md</c> (the model card).
/// </summary>
internal static class TrainingCorpus
{
    /// <summary>The model's categories, named as the keyword lists name them.</summary>
    public static readonly string[] Heads = ["suicide", "self-harm", "violence", "bullying", "hate-speech", "offensive-language"];

    public const string SuicideSource = "suicide_ideation_reddit";
    public const string JigsawSource = "jigsaw_toxic_wikipedia";
    public const string BullyingSource = "cyberbullying_tweets";
    public const string DavidsonSource = "davidson_labeled_data";
    public static readonly string[] OrdinarySources = ["search_queries_nq", "homework_questions_gsm8k", "goemotions_reddit_ordinary"];

    private const sbyte U = -1;

    // Posts to r/SuicideWatch that speak of harming oneself without dying: the only self-harm signal in the data.
    // A weak label (subreddit + words), so the self-harm head learns the context around these words; see the card.
    private static readonly System.Text.RegularExpressions.Regex SelfHarmWords = new(
        @"\b(self[- ]?harm\w*|cut(ting|s)? (myself|my (arms?|wrists?|legs?|thighs?))|cutting|razors?|blades?|scars?|burn(ing|ed)? myself|relapsed?)\b",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant | System.Text.RegularExpressions.RegexOptions.NonBacktracking);

    /// <summary>Every labelled text under <paramref name="trainingDirectory"/>, plus Davidson when its path is given.</summary>
    public static List<LabelledText> Load(string trainingDirectory, string? davidsonFile)
    {
        if (!Directory.Exists(trainingDirectory))
        {
            throw new CliException($"model: training directory '{trainingDirectory}' does not exist");
        }

        var all = new List<LabelledText>();
        all.AddRange(Read(Path.Combine(trainingDirectory, SuicideSource + ".csv"), SuicideSource, row =>
        {
            var suicidal = Label(row, "label", "suicide", "non_suicide");
            var selfHarm = suicidal == 1 && SelfHarmWords.IsMatch(row.GetField("text") ?? string.Empty) ? (sbyte)1 : (sbyte)0;
            return [suicidal, selfHarm, 0, U, U, U];
        }));
        all.AddRange(Read(Path.Combine(trainingDirectory, JigsawSource + ".csv"), JigsawSource, row =>
        {
            sbyte Flag(string column) => row.GetField(column) == "1" ? (sbyte)1 : (sbyte)0;
            var offensive = (sbyte)Math.Max(Math.Max(Flag("toxic"), Flag("obscene")), Math.Max(Flag("insult"), Flag("severe_toxic")));
            return [0, 0, Flag("threat"), Flag("insult"), Flag("identity_hate"), offensive];
        }));
        all.AddRange(Read(Path.Combine(trainingDirectory, BullyingSource + ".csv"), BullyingSource, row =>
        {
            var type = row.GetField("label") ?? string.Empty;
            var bullying = type == "not_cyberbullying" ? (sbyte)0 : (sbyte)1;
            // Ethnicity and religion bullying is hate; "gender" mixes sexist jokes with abuse, so it is left unknown.
            var hate = type switch { "ethnicity" or "religion" => (sbyte)1, "gender" => U, _ => (sbyte)0 };
            return [0, 0, U, bullying, hate, U];
        }));
        foreach (var source in OrdinarySources)
        {
            all.AddRange(Read(Path.Combine(trainingDirectory, source + ".csv"), source, _ => [0, 0, 0, 0, 0, 0]));
        }

        if (davidsonFile is not null)
        {
            if (!File.Exists(davidsonFile))
            {
                throw new CliException($"model: Davidson file '{davidsonFile}' does not exist");
            }

            all.AddRange(Read(davidsonFile, DavidsonSource, row => row.GetField("class") switch
            {
                "0" => [0, 0, U, U, 1, 1],
                "1" => [0, 0, U, U, 0, 1],
                "2" => [0, 0, U, U, 0, 0],
                var other => throw new CliException($"model: Davidson row with class '{other}' (expected 0, 1 or 2)"),
            }, textColumn: "tweet"));
        }

        return all;
    }

    /// <summary>
    /// Whether the shipped recipe keeps a text out of training: the ordinary files' own held-out splits (GoEmotions dev
    /// and test, GSM8K test, the two EfficientQA files), and a fixed fifth of every risk source chosen by a hash of the
    /// text (stable across runs and machines, unlike string.GetHashCode).
    /// </summary>
    private static bool IsHeldOut(string source, CsvReader row, string text) => source switch
    {
        "goemotions_reddit_ordinary" => row.GetField("goemotions_split") != "train",
        "homework_questions_gsm8k" => row.GetField("gsm8k_split") == "test",
        "search_queries_nq" => row.GetField("nq_file") != "NQ-open.dev.jsonl",
        _ => StableHash(text) % 5 == 0,
    };

    private static uint StableHash(string text)
    {
        var h = 2166136261u;
        foreach (var c in text)
        {
            h = (h ^ c) * 16777619u;
        }

        return h;
    }

    private static sbyte Label(CsvReader row, string column, string positive, string negative)
    {
        var value = row.GetField(column);
        return value == positive ? (sbyte)1 : value == negative ? (sbyte)0
            : throw new CliException($"model: unexpected {column} '{value}' (expected {positive} or {negative}) at row {row.Parser.Row}");
    }

    private static IEnumerable<LabelledText> Read(string path, string source, Func<CsvReader, sbyte[]> labels, string textColumn = "text")
    {
        if (!File.Exists(path))
        {
            throw new CliException($"model: training file '{path}' does not exist");
        }

        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { MissingFieldFound = null, BadDataFound = null });
        csv.Read();
        csv.ReadHeader();
        while (csv.Read())
        {
            var text = csv.GetField(textColumn) ?? string.Empty;
            if (text.Length > 0)
            {
                yield return new LabelledText(text, source, IsHeldOut(source, csv, text), labels(csv));
            }
        }
    }
}
