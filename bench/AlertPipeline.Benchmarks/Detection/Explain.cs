using AlertPipeline.Detection;
using AlertPipeline.Detection.Normalization;

namespace AlertPipeline.Benchmarks.Detection;

internal static class Explain
{
    public static void Run(string[] args)
    {
        var detector = Detector.Compile(DetectionBenchmarks.LoadSeeds());
        var source = args.Length > 2 && SourceKindNames.TryParseSingle(args[2], out var s) ? s : SourceKinds.Chat;
        foreach (var text in args[1].Split('\n'))
        {
            var r = detector.Scan(text, source);
            Console.WriteLine($"{text}\n  norm: {TextNormalizer.NormalizeToString(text)}\n  {r.Flagged} {r.Severity} [{string.Join(',', r.Categories)}] {r.Explanation}");
        }
    }
}
