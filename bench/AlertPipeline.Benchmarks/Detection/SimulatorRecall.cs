using System.Globalization;
using AlertPipeline.Detection;
using AlertPipeline.Simulator;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Benchmarks.Detection;

/// <summary>
/// Recall of the curated lists on the simulator's concerning events (<c>ConcerningShare = 1</c>): how many
/// are not flagged at all, and how many are flagged but not in the category the simulator meant. Not a
/// BenchmarkDotNet run; <c>dotnet run -c Release -- recall [count] [seed]</c>.
/// </summary>
internal static class SimulatorRecall
{
    // The simulator's "grooming" phrases belong to the child-sexual-exploitation list.
    private static readonly Dictionary<string, string> ListOf = new(StringComparer.Ordinal)
    {
        ["grooming"] = "child-sexual-exploitation",
    };

    public static int Run(string[] args)
    {
        var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;
        var seed = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
        var detector = Detector.Compile(DetectionBenchmarks.LoadSeeds());
        var options = Options.Create(new SimulatorOptions { ConcerningShare = 1, Seed = seed, Screenshots = false });
        var generator = new ActivityGenerator(options, TimeProvider.System, new ScreenshotRenderer());
        var missed = 0;
        var wrongCategory = 0;
        for (var i = 0; i < count; i++)
        {
            var e = generator.Next();
            // An unknown source scans as "other" (default), as ingest would refuse it anyway.
            _ = SourceKindNames.TryParseSingle(e.Source, out var source);
            var result = detector.Scan(e.Text, source);
            var expected = ListOf.GetValueOrDefault(e.ExpectedCategory!, e.ExpectedCategory!);
            if (!result.Flagged)
            {
                missed++;
                Console.WriteLine($"MISS  {e.ExpectedCategory,-12} {e.Source,-6} {e.Text}");
            }
            else if (!result.Categories.Contains(expected))
            {
                wrongCategory++;
                Console.WriteLine($"OTHER {e.ExpectedCategory,-12} {e.Source,-6} {e.Text} => {string.Join(',', result.Categories)}");
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed {seed}: {count} concerning events, missed {missed} ({100.0 * missed / count:F1} %), flagged in another category only {wrongCategory} ({100.0 * wrongCategory / count:F1} %)"));
        return 0;
    }
}
