using System.Diagnostics;

namespace AlertPipeline.Benchmarks.Detection;

/// <summary>
/// The fused scan alone on one list for a number of seconds, for profiling the hot loop: `fused [LISTS] [SECONDS] [--tryscan]`
/// (--tryscan: the whole <c>Detector.TryScan</c> instead; --noquiet: without the word-head prefilter; --quietonly: the prefilter alone; --notquiet: list texts it leaves; --leftonly: TryScan on those texts only, rate still per whole corpus)
/// (e.g. under `DOTNET_EnableWriteXorExecute=0 DOTNET_PerfMapEnabled=1 perf record -e cpu-clock`, which names JIT
/// frames on this VM without hardware counters). Prints the best and the mean pass.
/// </summary>
internal static class FusedOnly
{
    public static void Run(string[] args)
    {
        var lists = args.Length > 1 ? args[1] : "generated-5000";
        var seconds = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10;
        var whole = args.Contains("--tryscan");
        var quietOnly = args.Contains("--quietonly");
        var leftOnly = args.Contains("--leftonly");
        var bench = new DetectionBenchmarks { Lists = lists };
        bench.Setup();
        var events = PupilText.Events(DetectionBenchmarks.EventCount);
        var detector = bench.Detector;
        detector.UseQuietFilter = !args.Contains("--noquiet");
        var quiet = events.Count(e => detector.IsQuiet(e.Text));
        var flagged = events.Count(e => detector.TryScan(e.Text, e.Source, out _));
        Console.WriteLine($"{lists}: word-head prefilter {detector.QuietFilterSummary}, used {detector.UseQuietFilter}; {quiet} of {events.Length} texts quiet, {flagged} flagged");
        if (args.Contains("--notquiet"))
        {
            foreach (var text in events.Select(e => e.Text).Where(t => !detector.IsQuiet(t)).Take(20))
            {
                Console.WriteLine("  not quiet: " + text);
            }
        }

        var left = events.Where(e => !detector.IsQuiet(e.Text)).ToArray();
        var hits = new AlertPipeline.Detection.Matching.HitList();
        var watch = Stopwatch.StartNew();
        var passes = 0;
        var best = double.MaxValue;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            var pass = Stopwatch.StartNew();
            if (leftOnly)
            {
                foreach (var (text, source) in left)
                {
                    detector.TryScan(text, source, out _);
                }
            }
            else if (quietOnly)
            {
                foreach (var (text, _) in events)
                {
                    detector.QuietFilter!.Read(text);
                }
            }
            else if (whole)
            {
                bench.DetectorTryScan();
            }
            else
            {
                foreach (var (text, source) in events)
                {
                    hits.Clear();
                    AlertPipeline.Detection.Matching.FusedAsciiScan.TryScan(text, detector.Automaton, hits, detector.Relevance, source, out _);
                }
            }

            best = Math.Min(best, pass.Elapsed.TotalSeconds);
            passes++;
        }

        Console.WriteLine($"{lists}: {passes} passes, best {DetectionBenchmarks.CorpusBytes / 1e6 / best:F0} MB/s, mean {DetectionBenchmarks.CorpusBytes * passes / 1e6 / watch.Elapsed.TotalSeconds:F0} MB/s");
    }
}
