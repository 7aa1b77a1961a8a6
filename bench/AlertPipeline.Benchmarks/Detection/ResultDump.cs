using System.Text;
using System.Text.Json;
using AlertPipeline.Detection;

namespace AlertPipeline.Benchmarks.Detection;

/// <summary>
/// Every field of every result, for checking that a change to the hot path leaves results as they were:
/// `results FILE [SUITES_DIR]` writes one JSON line per text (TryScan's result, then Scan's) for 20,000 benchmark
/// events of three seeds and, when given, every text of the labelled suites (tests/suites/*.csv, first column),
/// against the curated lists. Diff the files written by two builds.
/// </summary>
internal static class ResultDump
{
    public static void Run(string[] args)
    {
        var detector = Detector.Compile(DetectionBenchmarks.LoadSeeds());
        int[] seeds = [42, 7, 1234, 99];
        var texts = seeds.SelectMany(seed => PupilText.Events(5_000, seed)).ToList();
        if (args.Length > 2)
        {
            foreach (var file in Directory.GetFiles(args[2], "*.csv").Order(StringComparer.Ordinal))
            {
                foreach (var line in File.ReadLines(file).Skip(1))
                {
                    var text = line.StartsWith('"') ? line[1..line.IndexOf('"', 1)] : line.Split(',')[0];
                    foreach (var source in Enum.GetValues<SourceKinds>().Where(s => s is not SourceKinds.None and not SourceKinds.Any))
                    {
                        texts.Add((text, source));
                    }
                }
            }
        }

        using var output = new StreamWriter(args[1], append: false, new UTF8Encoding(false));
        foreach (var (text, source) in texts)
        {
            var hot = detector.TryScan(text, source, out var result) ? JsonSerializer.Serialize(result) : "-";
            output.WriteLine(hot);
            output.WriteLine(JsonSerializer.Serialize(detector.Scan(text, source)));
        }

        Console.WriteLine($"{texts.Count} texts written to {args[1]}");
    }
}
