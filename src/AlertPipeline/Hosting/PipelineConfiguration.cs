namespace AlertPipeline.Hosting;

/// <summary>
/// How every command builds its configuration, in increasing precedence: <c>appsettings.json</c> beside the
/// executable, an optional <c>--config FILE</c>, environment variables (<c>ALERTPIPELINE_Storage__DataDirectory</c>
/// or plain <c>Storage__DataDirectory</c>), then the command's own options (e.g. <c>--data-dir</c>).
/// </summary>
internal static class PipelineConfiguration
{
    public static void Apply(IConfigurationBuilder builder, string? configFile, IReadOnlyDictionary<string, string?> overrides)
    {
        builder.Sources.Clear();
        builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (configFile is not null)
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
            {
                throw new FileNotFoundException($"configuration file '{configFile}' does not exist", full);
            }

            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables();
        builder.AddEnvironmentVariables("ALERTPIPELINE_");
        builder.AddInMemoryCollection(overrides);
    }

    public static IConfiguration Build(string? configFile, IReadOnlyDictionary<string, string?> overrides)
    {
        var builder = new ConfigurationBuilder();
        Apply(builder, configFile, overrides);
        return builder.Build();
    }
}
