using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Simulator;

internal static class SimulatorServiceCollectionExtensions
{
    /// <summary>
    /// Registers the simulator: validated <see cref="SimulatorOptions"/> from the <c>Simulator</c> section
    /// (checked on start), the generator, the HTTP <see cref="IEventSink"/> and the runner.
    /// Runner, generator and sink are transient because each run owns its generator's sequence and its totals:
    /// resolve one <see cref="SimulatorRunner"/> per run.
    /// </summary>
    public static IServiceCollection AddSimulator(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SimulatorOptions>()
            .Bind(configuration.GetSection(SimulatorOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SimulatorOptions>, SimulatorOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ScreenshotRenderer>();
        services.TryAddTransient<ActivityGenerator>();
        services.AddHttpClient<IEventSink, IngestClient>(IngestClient.HttpClientName, (provider, http) =>
        {
            var options = provider.GetRequiredService<IOptions<SimulatorOptions>>().Value;
            if (options.TargetBaseUrl is { } target)
            {
                // Without the trailing slash a base path ("http://host/ingest") would be dropped by the relative request URIs.
                http.BaseAddress = target.AbsoluteUri.EndsWith('/') ? target : new Uri(target.AbsoluteUri + "/");
            }

            http.Timeout = options.RequestTimeout;
        });
        services.TryAddTransient<SimulatorRunner>();
        return services;
    }
}
