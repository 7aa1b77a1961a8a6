namespace AlertPipeline.Model;

/// <summary>Placeholder until DSL outcome export lands.</summary>
internal static class DslOutcomes
{
    public static IEnumerable<LabelledText> Load(string path) => throw new Cli.CliException($"model train: --include '{path}': DSL outcome files are not supported yet");
}
