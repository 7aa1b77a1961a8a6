namespace AlertPipeline.Hosting;

/// <summary>
/// How every command builds its configuration, in increasing precedence: <c>appsettings.json</c> beside the
/// executable (defaults, no schools), then either the demo trust (<c>demo-trust.json</c>, when no
/// <c>--config FILE</c> is given) or the <c>--config FILE</c>, environment variables
/// (<c>ALERTPIPELINE_Storage__DataDirectory</c> or plain <c>Storage__DataDirectory</c>), then the command's own
/// options (e.g. <c>--data-dir</c>).
/// </summary>
/// <remarks>
/// Configuration sources merge key by key, so a production file naming one school used to inherit the three demo
/// schools (and an alert for a matching id went to a demo address). The demo trust is therefore never merged under
/// a real configuration: a <c>--config</c> file contains exactly the trust and the schools it names.
/// </remarks>
internal static class PipelineConfiguration
{
    public const string DemoTrustFile = "demo-trust.json";

    public static void Apply(IConfigurationBuilder builder, string? configFile, IReadOnlyDictionary<string, string?> overrides)
    {
        builder.Sources.Clear();
        builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (configFile is null)
        {
            builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, DemoTrustFile), optional: true, reloadOnChange: false);
        }
        else
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
