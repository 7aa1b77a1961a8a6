using System.Diagnostics;
using System.Globalization;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Normalization;

namespace AlertPipeline.Benchmarks.Detection;

/// <summary>
/// A Stopwatch harness for working on the hot path between BenchmarkDotNet runs (which take minutes):
/// best of several passes over the benchmark corpus. <c>dotnet run -c Release -- profile</c>.
/// </summary>
internal static class QuickProfile
{
    public static void Run()
    {
        var events = PupilText.Events(DetectionBenchmarks.EventCount);
        var bytes = DetectionBenchmarks.CorpusBytes;
        var probe = new NormalizedBuffer(1024);
        var stretched = 0;
        var split = 0;
        foreach (var (text, _) in events)
        {
            TextNormalizer.Normalize(text, probe);
            stretched += probe.HasStretchedLetters ? 1 : 0;
            split += probe.SplitPoints.Count > 0 ? 1 : 0;
        }

        Console.WriteLine($"{events.Length} events: {stretched} with stretched letters, {split} with split points");
        var seedDetector = Detector.Compile(DetectionBenchmarks.LoadSeeds());
        var flagged = events.Count(e => seedDetector.TryScan(e.Text, e.Source, out _));
        Console.WriteLine($"seeds flag {flagged}");
        foreach (var lists in new[] { "seeds", "generated-5000" })
        {
            var bench = new DetectionBenchmarks { Lists = lists };
            bench.Setup();
            var buffer = new NormalizedBuffer(1024);
            var detector = bench.Detector;
            var hits = new AlertPipeline.Detection.Matching.HitList();
            var fast = 0;
            var withHits = 0;
            var fastBytes = 0L;
            var relevantCount = 0;
            var relevantPatterns = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (text, source) in events)
            {
                hits.Clear();
                if (AlertPipeline.Detection.Matching.FusedAsciiScan.TryScan(text, detector.Automaton, hits, detector.Relevance, source, out var relevant))
                {
                    fast++;
                    fastBytes += text.Length;
                    withHits += hits.Count > 0 ? 1 : 0;
                    relevantCount += relevant ? 1 : 0;
                    for (var h = 0; h < hits.Count; h++)
                    {
                        if ((detector.Relevance[hits.Pattern(h)] & source) != 0)
                        {
                            var key = detector.Pattern(hits.Pattern(h));
                            relevantPatterns[key] = relevantPatterns.GetValueOrDefault(key) + 1;
                        }
                    }
                }
            }

            var bailed = events.Where(e => { hits.Clear(); return !AlertPipeline.Detection.Matching.FusedAsciiScan.TryScan(e.Text, detector.Automaton, hits, null, SourceKinds.Chat, out _); })
                .SelectMany(e => e.Text.Split(' ')).CountBy(w => w).Where(kv => kv.Value > 100).Select(kv => kv.Key);
            Console.WriteLine("  words in bailed texts: " + string.Join(" | ", bailed.Take(60)));
            var leaving = events.Where(e => detector.LeavesFastPath(e.Text, e.Source)).ToList();
            var normalised = leaving.Count;
            var leavingPatterns = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (text, source) in leaving)
            {
                hits.Clear();
                if (AlertPipeline.Detection.Matching.FusedAsciiScan.TryScan(text, detector.Automaton, hits, detector.Relevance, source, out _))
                {
                    foreach (var key in Enumerable.Range(0, hits.Count).Select(h => hits.Pattern(h)).Where(p => (detector.Relevance[p] & source) != 0).Distinct().Select(detector.Pattern))
                    {
                        leavingPatterns[key] = leavingPatterns.GetValueOrDefault(key) + 1;
                    }
                }
            }

            Console.WriteLine("  relevant patterns in texts TryScan normalises: " + string.Join(", ", leavingPatterns.OrderByDescending(kv => kv.Value).Take(10).Select(kv => $"'{kv.Key}' {kv.Value}")));
            Console.WriteLine($"{lists}: {detector.AutomatonSummary}; fused path {fast} events ({withHits} with hits, {relevantCount} relevant), slow path {events.Length - fast}; normalised by TryScan {normalised}");
            var letterStarts = Enumerable.Range(0, detector.Relevance.Length).Select(detector.Pattern).Where(p => char.IsAsciiLetterOrDigit(p[0])).ToList();
            Console.WriteLine($"  root skips inside words: {detector.Automaton.CompactRootStaysOnLetters}; patterns starting inside a word: {letterStarts.Count} "
                + string.Join(", ", letterStarts.Take(10).Select(p => $"'{p}'")));
            Console.WriteLine("  relevant patterns: " + string.Join(", ", relevantPatterns.OrderByDescending(kv => kv.Value).Take(15).Select(kv => $"'{kv.Key}' {kv.Value}")));
            Report(lists, "fused only", fastBytes, () =>
            {
                foreach (var (text, _) in events)
                {
                    hits.Clear();
                    AlertPipeline.Detection.Matching.FusedAsciiScan.TryScan(text, detector.Automaton, hits, null, SourceKinds.Chat, out _);
                }
            });
            Report(lists, "normalise only", bytes, () =>
            {
                foreach (var (text, _) in events)
                {
                    TextNormalizer.Normalize(text, buffer);
                }
            });
            Report(lists, "TryScan", bytes, () => bench.DetectorTryScan());
            Report(lists, "SearchValues", bytes, () => bench.SearchValuesAllHits());
        }
    }

    private static void Report(string lists, string name, long bytes, Action pass)
    {
        var best = double.MaxValue;
        for (var i = 0; i < 40; i++)
        {
            var watch = Stopwatch.StartNew();
            pass();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{lists,-15} {name,-16} {bytes / 1e6 / best,8:F0} MB/s"));
    }
}
