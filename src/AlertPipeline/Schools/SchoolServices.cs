using AlertPipeline.Detection;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Schools;

internal static class SchoolServices
{
    /// <summary>The trust's schools and their routing, resolved once per configuration.</summary>
    public static IServiceCollection AddSchools(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TrustOptions>().Bind(configuration.GetSection(TrustOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TrustOptions>, TrustOptionsValidator>();
        services.AddOptions<SchoolDefaults>().Bind(configuration.GetSection(SchoolDefaults.Section));
        services.AddSingleton<SchoolDirectory>();
        return services;
    }
}

/// <summary>
/// The two trust-wide defaults a school's routing falls back on, read from the <c>Notifications</c> section where
/// they are set (and validated, by the notifications feature): Schools reads them here rather than depending on it.
/// </summary>
internal sealed class SchoolDefaults
{
    public const string Section = "Notifications";

    /// <summary>Notifications:MinimumSeverity: what a school without NotifyAtOnce is told of at once.</summary>
    public string MinimumSeverity { get; set; } = "high";

    /// <summary>Notifications:IncludePupilDetail: whether pupil names and matched words go into notifications.</summary>
    public bool IncludePupilDetail { get; set; }

    public Severity Minimum => SeverityNames.TryParse(MinimumSeverity, out var s) ? s : Severity.High;
}
