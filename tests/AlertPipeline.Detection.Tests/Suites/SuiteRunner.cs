namespace AlertPipeline.Detection.Tests.Suites;

/// <summary>Scans suite texts with the curated seed lists and judges the result.</summary>
internal static class SuiteRunner
{
    public static DetectionResult Scan(string text, SourceKinds source) => Support.Some.SeedDetector.Scan(text, source);

    public static bool FlagsCategory(string text, SourceKinds source, string category) =>
        Scan(text, source).Categories.Contains(category);

    public static string Describe(DetectionResult result) =>
        result.Flagged ? $"{result.Severity?.ToName()} [{string.Join(", ", result.Categories)}] normalised '{result.NormalizedText}'" : $"not flagged; normalised '{result.NormalizedText}'";
}
