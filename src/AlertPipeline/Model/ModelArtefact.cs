using AlertPipeline.Detection.Model;

namespace AlertPipeline.Model;

/// <summary>Opens a risk model artefact (the I/O edge; the core reads the stream).</summary>
internal static class ModelArtefact
{
    /// <summary>Relative paths are tried against the working directory, then the install folder (as keyword lists are).</summary>
    public static string? Resolve(string path)
    {
        if (Path.IsPathRooted(path))
        {
            return File.Exists(path) ? path : null;
        }

        return new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory }
            .Select(root => Path.GetFullPath(Path.Combine(root, path)))
            .FirstOrDefault(File.Exists);
    }

    public static RiskModel Load(string path)
    {
        var resolved = Resolve(path) ?? throw new CliException($"model: artefact '{path}' does not exist (train one with 'alertpipeline model train')");
        using var stream = File.OpenRead(resolved);
        try
        {
            return RiskModel.Read(stream);
        }
        catch (InvalidDataException ex)
        {
            throw new CliException($"model: '{resolved}': {ex.Message}");
        }
    }
}
