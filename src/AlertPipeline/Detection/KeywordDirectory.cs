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

    /// <summary>The folder under the data directory that holds the lists a running pipeline uses and the console edits.</summary>
    public const string DataFolder = "keywords";

    /// <summary>
    /// The list directory a pipeline on <paramref name="dataDirectory"/> uses and edits. The lists shipped with the
    /// install (a relative path such as the default <c>seeds/keywords</c>, or any folder inside the install) are
    /// only a seed: on the first run they are copied to <c>keywords/</c> in the data directory, and from then on
    /// that copy is the one in force, so edits are not shared by every instance of the install nor lost when it is
    /// upgraded. A folder the operator named outside the install is used where it is, unless
    /// <paramref name="alwaysCopy"/> (a trust, whose lists are in its database: the folder is only the first seed).
    /// </summary>
    public static string? ResolveEditable(string configured, string dataDirectory, bool alwaysCopy = false)
    {
        var seed = Resolve(configured);
        if (seed is null)
        {
            return null;
        }

        if (!alwaysCopy && Path.IsPathRooted(configured) && !IsInside(seed, AppContext.BaseDirectory))
        {
            return seed;
        }

        var editable = Path.Combine(dataDirectory, DataFolder);
        if (!Directory.Exists(editable))
        {
            // Copied to a temporary folder and renamed, so a crash mid-copy never leaves half a list set in force.
            var staging = Stage(editable, ReadFiles(seed));
            try
            {
                Directory.Move(staging, editable);
            }
            catch (IOException) when (Directory.Exists(editable))
            {
                Directory.Delete(staging, recursive: true); // Another process on the same data seeded it first.
            }
        }

        return editable;
    }

    private static bool IsInside(string path, string folder)
    {
        var root = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return (Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar).StartsWith(root, StringComparison.Ordinal);
    }

    /// <summary>
    /// Writes <paramref name="files"/> (and nothing else) into a new private folder beside <paramref name="folder"/> and
    /// returns its path, for the caller to rename into place whole: no reader ever sees half of one list set.
    /// </summary>
    public static string Stage(string folder, IReadOnlyList<KeywordSourceFile> files)
    {
        var staging = folder.TrimEnd(Path.DirectorySeparatorChar) + "." + Guid.NewGuid().ToString("N") + ".tmp";
        Storage.DataDirectory.CreateFolder(staging);
        foreach (var file in files)
        {
            var path = Path.Combine(staging, Path.GetFileName(file.Name));
            File.WriteAllText(path, file.Content);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, Storage.DataDirectory.PrivateFile); // not the install's 0644
            }
        }

        return staging;
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
