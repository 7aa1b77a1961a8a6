using AlertPipeline.Detection.Lists;

namespace AlertPipeline.Detection;

/// <summary>Reads a keyword list directory from disk (the I/O edge of the pure detection core).</summary>
internal static class KeywordDirectory
{
    public static string? Resolve(string path)
    {
        if (Path.IsPathRooted(path))
        {
            return Directory.Exists(path) ? path : null;
        }

        foreach (var root in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            var candidate = Path.GetFullPath(Path.Combine(root, path));
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static IReadOnlyList<KeywordSourceFile> ReadFiles(string directory) =>
        Directory.GetFiles(directory, "*.csv")
            .Order(StringComparer.Ordinal)
            .Select(f => new KeywordSourceFile(Path.GetFileName(f), File.ReadAllText(f)))
            .ToList();

    /// <exception cref="KeywordListException">A list file is invalid; the message names file, line and field.</exception>
    public static KeywordSet Load(string path)
    {
        var directory = Resolve(path) ?? throw new KeywordListException($"keyword list directory '{path}' does not exist");
        return KeywordSetParser.Parse(ReadFiles(directory));
    }
}
