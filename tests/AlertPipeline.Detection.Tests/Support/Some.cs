using AlertPipeline.Detection.Lists;

namespace AlertPipeline.Detection.Tests.Support;

/// <summary>Test data: small keyword list directories written the way the curator writes them.</summary>
internal static class Some
{
    public const string EntryHeader = "term,match,severity,sources,requires,notes";

    public static KeywordSourceFile List(string category, params string[] rows) =>
        new($"{category}.csv", EntryHeader + "\n" + string.Join("\n", rows) + "\n");

    public static KeywordSourceFile Groups(params string[] rows) =>
        new("groups.csv", "group,term,notes\n" + string.Join("\n", rows) + "\n");

    public static KeywordSourceFile Combinations(params string[] rows) =>
        new("combinations.csv", "id,category,group,raise_to,notes\n" + string.Join("\n", rows) + "\n");

    public static KeywordSourceFile Allow(params string[] phrases) =>
        new("allow.csv", "phrase,notes\n" + string.Join("\n", phrases.Select(p => p + ",")) + "\n");

    public static KeywordSet Set(params KeywordSourceFile[] files) => KeywordSetParser.Parse(files);

    public static Detector Detector(params KeywordSourceFile[] files) => Detection.Detector.Compile(Set(files));

    /// <summary>A detector with one list of word terms at the given severity.</summary>
    public static Detector WordDetector(string category, Severity severity, params string[] terms) =>
        Detector(List(category, [.. terms.Select(t => $"{t},word,{severity.ToName()},,,")]));

    private static readonly Lazy<Detection.Detector> Seeds = new(() => Detection.Detector.Compile(Set([.. SeedFiles()])));

    /// <summary>The curated seed lists, compiled once for every test that needs them.</summary>
    public static Detection.Detector SeedDetector => Seeds.Value;

    /// <summary>The repo's seeds/keywords directory as copied beside the test assembly.</summary>
    public static IReadOnlyList<KeywordSourceFile> SeedFiles() =>
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "seeds", "keywords"), "*.csv")
            .Select(p => new KeywordSourceFile(Path.GetFileName(p), File.ReadAllText(p)))];
}
