using System.Diagnostics;
using System.Globalization;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Matching;

namespace AlertPipeline.Benchmarks.Detection;

/// <summary>
/// Where <c>Detector.TryScan</c> spends its time on one list, by class of event: `split [LISTS] [PASSES]`. Each event
/// is put in one class (fused path with no relevant hit; fused path, relevant hits, judged without normalising;
/// normalised but not flagged; flagged; not accepted by the fused scan), then TryScan runs over each class alone,
/// best of the passes, beside the fused scan alone over the same events.
/// </summary>
internal static class ClassSplit
{
    public static void Run(string[] args)
    {
        var lists = args.Length > 1 ? args[1] : "seeds";
        var passes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 40;
        var bench = new DetectionBenchmarks { Lists = lists };
        bench.Setup();
        var detector = bench.Detector;
        var events = PupilText.Events(DetectionBenchmarks.EventCount);
        var hits = new HitList();
        var classes = new Dictionary<string, List<(string Text, SourceKinds Source)>>(StringComparer.Ordinal);
        var hitCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        var patternCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            hits.Clear();
            var fused = FusedAsciiScan.TryScan(e.Text, detector.Automaton, hits, detector.Relevance, e.Source, out var relevant);
            var name = !fused ? "slow path"
                : detector.TryScan(e.Text, e.Source, out _) ? "flagged (fused)"
                : detector.LeavesFastPath(e.Text, e.Source) ? "normalised, not flagged"
                : relevant ? "fused, judged" : "fused, no relevant hit";
            if (!classes.TryGetValue(name, out var list))
            {
                classes[name] = list = [];
            }

            list.Add(e);
            hitCounts[name] = hitCounts.GetValueOrDefault(name) + hits.Count;
            for (var h = 0; h < hits.Count; h++)
            {
                var key = name + "|" + detector.Pattern(hits.Pattern(h)) + ((detector.Relevance[hits.Pattern(h)] & e.Source) != 0 ? " (relevant)" : string.Empty);
                patternCounts[key] = patternCounts.GetValueOrDefault(key) + 1;
            }
        }

        if (args.Contains("--patterns"))
        {
            foreach (var group in patternCounts.GroupBy(kv => kv.Key.Split('|')[0]))
            {
                Console.WriteLine(group.Key + ": " + string.Join(", ", group.OrderByDescending(kv => kv.Value).Take(25).Select(kv => $"'{kv.Key.Split('|')[1]}' {kv.Value}")));
            }
        }

        var loop = Array.IndexOf(args, "--loop");
        if (loop > 0)
        {
            // For perf record: TryScan over one class only (e.g. --loop flagged 10).
            var chosen = classes.First(kv => kv.Key.StartsWith(args[loop + 1], StringComparison.Ordinal)).Value;
            var seconds = double.Parse(args[loop + 2], CultureInfo.InvariantCulture);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                foreach (var (text, source) in chosen)
                {
                    detector.TryScan(text, source, out _);
                }
            }

            return;
        }

        // Tiered JIT: warm both loops up on the whole corpus first, or the first class is timed in tier-0 code.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 3)
        {
            bench.DetectorTryScan();
            foreach (var (text, source) in events)
            {
                hits.Clear();
                FusedAsciiScan.TryScan(text, detector.Automaton, hits, detector.Relevance, source, out _);
            }
        }

        var total = 0.0;
        foreach (var (name, list) in classes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var chars = list.Sum(e => (long)e.Text.Length);
            var tryScan = Best(passes, () =>
            {
                foreach (var (text, source) in list)
                {
                    detector.TryScan(text, source, out _);
                }
            });
            var fusedOnly = Best(passes, () =>
            {
                foreach (var (text, source) in list)
                {
                    hits.Clear();
                    FusedAsciiScan.TryScan(text, detector.Automaton, hits, detector.Relevance, source, out _);
                }
            });
            total += tryScan;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-24} {list.Count,5} events {chars,8} chars {hitCounts[name] / (double)list.Count,5:F1} hits/event  TryScan {tryScan * 1e3,6:F3} ms ({tryScan * 1e9 / list.Count,6:F0} ns/event)  fused only {fusedOnly * 1e3,6:F3} ms"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sum of classes {total * 1e3:F3} ms; whole corpus TryScan {Best(passes, () => bench.DetectorTryScan()) * 1e3:F3} ms"));
        var before = GC.GetAllocatedBytesForCurrentThread();
        bench.DetectorTryScan();
        Console.WriteLine($"allocated per pass: {GC.GetAllocatedBytesForCurrentThread() - before} B");
    }

    private static double Best(int passes, Action pass)
    {
        var best = double.MaxValue;
        for (var i = 0; i < passes; i++)
        {
            var watch = Stopwatch.StartNew();
            pass();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return best;
    }
}
