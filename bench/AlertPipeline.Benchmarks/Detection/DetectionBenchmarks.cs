using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Detection.Normalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AlertPipeline.Benchmarks.Detection;

/// <summary>
/// Fused normalise + match over a corpus of pupil events, beside two baselines on the same input and the
/// same terms: <see cref="SearchValues{T}"/> of strings (ordinal, case-insensitive, no normalisation, no word
/// boundaries) and one compiled Regex alternation with word boundaries. One operation = the whole corpus.
/// </summary>
[Config(typeof(ThroughputConfig))]
[MemoryDiagnoser]
public class DetectionBenchmarks
{
    public const int EventCount = 5_000;

    private (string Text, SourceKinds Source)[] _events = [];
    private Detector _detector = null!;
    private Detector _detectorWithoutPrefilter = null!;
    private SearchValues<string> _searchValues = null!;
    private Regex _alternation = null!;

    [Params("seeds", "generated-5000")]
    public string Lists { get; set; } = "seeds";

    internal Detector Detector => _detector;

    public static long CorpusBytes { get; } = PupilText.Events(EventCount).Sum(e => (long)Encoding.UTF8.GetByteCount(e.Text));

    [GlobalSetup]
    public void Setup()
    {
        _events = PupilText.Events(EventCount);
        var set = Lists == "seeds" ? LoadSeeds() : Generated();
        _detector = Detector.Compile(set);
        _detectorWithoutPrefilter = Detector.Compile(set);
        _detectorWithoutPrefilter.UseQuietFilter = false;
        var terms = set.Entries.Where(e => e.Kind != MatchKind.Regex).Select(e => e.Term).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        _searchValues = SearchValues.Create(terms, StringComparison.OrdinalIgnoreCase);
        _alternation = new Regex(@"\b(?:" + string.Join('|', terms.Select(Regex.Escape)) + @")\b",
            RegexOptions.Compiled | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        Console.WriteLine($"// {Lists}: {set.Entries.Count} entries, automaton {_detector.AutomatonSummary}, corpus {CorpusBytes:N0} UTF-8 bytes in {EventCount} events, "
            + $"word-head prefilter {_detector.QuietFilterSummary}: {_events.Count(e => _detector.IsQuiet(e.Text))} texts quiet");
    }

    [Benchmark(Baseline = true, Description = "Detector.TryScan (normalise+AC)")]
    public int DetectorTryScan()
    {
        var flagged = 0;
        foreach (var (text, source) in _events)
        {
            flagged += _detector.TryScan(text, source, out _) ? 1 : 0;
        }

        return flagged;
    }

    /// <summary>The same scan with the word-head prefilter off: the fused automaton walk on every text.</summary>
    [Benchmark(Description = "Detector.TryScan, no prefilter")]
    public int DetectorTryScanWithoutPrefilter()
    {
        var flagged = 0;
        foreach (var (text, source) in _events)
        {
            flagged += _detectorWithoutPrefilter.TryScan(text, source, out _) ? 1 : 0;
        }

        return flagged;
    }

    [Benchmark(Description = "Detector.Scan (always a result)")]
    public int DetectorScan()
    {
        var flagged = 0;
        foreach (var (text, source) in _events)
        {
            flagged += _detector.Scan(text, source).Flagged ? 1 : 0;
        }

        return flagged;
    }

    [Benchmark(Description = "Normalise only")]
    public int NormaliseOnly()
    {
        var buffer = new NormalizedBuffer(1024);
        var total = 0;
        foreach (var (text, _) in _events)
        {
            TextNormalizer.Normalize(text, buffer);
            total += buffer.Length;
        }

        return total;
    }

    [Benchmark(Description = "SearchValues<string> (raw, all hits)")]
    public int SearchValuesAllHits()
    {
        var hits = 0;
        foreach (var (text, _) in _events)
        {
            var span = text.AsSpan();
            int i;
            while ((i = span.IndexOfAny(_searchValues)) >= 0)
            {
                hits++;
                span = span[(i + 1)..];
            }
        }

        return hits;
    }

    [Benchmark(Description = "Regex alternation (compiled)")]
    public int RegexAlternation()
    {
        var hits = 0;
        foreach (var (text, _) in _events)
        {
            hits += _alternation.Count(text);
        }

        return hits;
    }

    internal static KeywordSet LoadSeeds()
    {
        var dir = Environment.GetEnvironmentVariable("ALERTPIPELINE_KEYWORDS") ?? FindSeeds();
        return KeywordSetParser.Parse(Directory.GetFiles(dir, "*.csv").Select(p => new KeywordSourceFile(Path.GetFileName(p), File.ReadAllText(p))));
    }

    private static string FindSeeds()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "seeds", "keywords");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("seeds/keywords not found above " + AppContext.BaseDirectory + "; set ALERTPIPELINE_KEYWORDS");
    }

    private static KeywordSet Generated()
    {
        string[] categories = ["bullying", "drugs", "extremism", "gambling", "self-harm", "suicide", "violence", "weapons", "pornography", "offensive-language"];
        var files = categories.Select((c, i) => new KeywordSourceFile(c + ".csv", PupilText.GeneratedListCsv(c, 500, seed: i + 1))).ToList();
        var seeds = LoadSeeds();
        files.Add(new KeywordSourceFile("allow.csv", "phrase,notes\n" + string.Join('\n', seeds.Allow.Select(a => a.Phrase + ","))));
        return KeywordSetParser.Parse(files);
    }

    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig()
        {
            AddColumn(new ThroughputColumn("MB/s", ops => CorpusBytes / 1e6 * ops));
            AddColumn(new ThroughputColumn("events/s", ops => EventCount * ops));
        }
    }

    /// <summary>Converts the mean time of one operation (the whole corpus) into a rate.</summary>
    private sealed class ThroughputColumn(string name, Func<double, double> perSecond) : IColumn
    {
        public string Id => "Throughput." + name;

        public string ColumnName => name;

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => $"{name} over the corpus (mean)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats)
            {
                return "-";
            }

            var opsPerSecond = 1e9 / stats.Mean;
            return perSecond(opsPerSecond).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
