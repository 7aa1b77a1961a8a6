namespace AlertPipeline.Kernel;

/// <summary>
/// How every command builds its configuration, in increasing precedence: <c>appsettings.json</c> beside the
/// executable (the shipped defaults, no schools), the site configuration (<see cref="SiteConfigFile"/>: the file named
/// by <c>ALERTPIPELINE_CONFIG</c>, else <c>/etc/alertpipeline/appsettings.json</c> if present), an optional
/// <c>--config FILE</c>, environment variables (<c>ALERTPIPELINE_Storage__DataDirectory</c> or plain
/// <c>Storage__DataDirectory</c>), then the command's own options (e.g. <c>--data-dir</c>). With neither a site
/// configuration nor <c>--config</c>, the demo trust (<c>demo-trust.json</c>) stands in for them.
/// </summary>
/// <remarks>
/// Configuration sources merge key by key, so a production file naming one school used to inherit the three demo
/// schools (and an alert for a matching id went to a demo address). The demo trust is therefore never merged under
/// a real configuration: a <c>--config</c> file contains exactly the trust and the schools it names.
/// </remarks>
internal static class PipelineConfiguration
{
    public const string DemoTrustFile = "demo-trust.json";

    /// <summary>Names the site configuration file when it is not at <see cref="DefaultSiteConfigFile"/>.</summary>
    public const string SiteConfigVariable = "ALERTPIPELINE_CONFIG";

    /// <summary>
    /// Where an installed host keeps the school's own settings. It lives outside the install folder so an upgrade,
    /// which replaces that folder, never overwrites it; and the service and an administrator's CLI commands read
    /// the same file, so <c>alertpipeline users list</c> finds the service's data without <c>--data-dir</c>.
    /// </summary>
    public const string DefaultSiteConfigFile = "/etc/alertpipeline/appsettings.json";

    public static void Apply(IConfigurationBuilder builder, string? configFile, IReadOnlyDictionary<string, string?> overrides, bool includeSite = true)
    {
        builder.Sources.Clear();
        builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        var site = includeSite ? SiteConfigFile() : null;
        if (site is not null)
        {
            builder.AddJsonFile(site, optional: false, reloadOnChange: false);
        }
        else if (configFile is null)
        {
            builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, DemoTrustFile), optional: true, reloadOnChange: false);
        }

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

    public static IConfiguration Build(string? configFile, IReadOnlyDictionary<string, string?> overrides, bool includeSite = true)
    {
        var builder = new ConfigurationBuilder();
        Apply(builder, configFile, overrides, includeSite);
        return builder.Build();
    }

    /// <summary>
    /// The site configuration file, or null when there is none. A file named by <c>ALERTPIPELINE_CONFIG</c> must
    /// exist: a typo there would otherwise run the host on the shipped defaults, with no school of its own.
    /// </summary>
    /// <exception cref="FileNotFoundException">ALERTPIPELINE_CONFIG names a file that does not exist.</exception>
    public static string? SiteConfigFile()
    {
        var named = Environment.GetEnvironmentVariable(SiteConfigVariable);
        if (!string.IsNullOrWhiteSpace(named))
        {
            var full = Path.GetFullPath(named);
            return File.Exists(full)
                ? full
                : throw new FileNotFoundException($"configuration file '{named}' named by {SiteConfigVariable} does not exist", full);
        }

        return File.Exists(DefaultSiteConfigFile) ? DefaultSiteConfigFile : null;
    }
}
