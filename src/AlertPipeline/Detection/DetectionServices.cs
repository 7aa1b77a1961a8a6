using AlertPipeline.Hosting;
using AlertPipeline.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Detection;

internal static class DetectionServices
{
    /// <summary>
    /// The keyword lists (validated on start) and, when <paramref name="runWorker"/>, the detection stage. With
    /// <paramref name="watchLists"/> (a process that detects or edits lists), the lists are reloaded when their folder
    /// changes and, on a trust, when another process publishes a version.
    /// </summary>
    public static IServiceCollection AddDetection(this IServiceCollection services, IConfiguration configuration, bool runWorker, bool watchLists = false)
    {
        services.AddOptions<DetectionOptions>().Bind(configuration.GetSection(DetectionOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DetectionOptions>, DetectionOptionsValidator>();
        services.AddSingleton<DetectorHolder>();
        services.AddRiskModel(configuration);
        services.AddSingleton<Lists.KeywordVersionStore>();
        services.AddSingleton<Lists.KeywordSnapshots>();
        services.AddSingleton<DeadLetters>();
        services.AddSingleton<AlertCorrelator>();
        services.TryAddSingleton<IDeadLetterSink>(sp => sp.GetRequiredService<DeadLetters>());
        services.AddSingleton<PipelineMetrics>();
        if (runWorker || watchLists)
        {
            services.AddHostedService<KeywordReloadService>();
        }

        if (runWorker)
        {
            services.AddHostedService<DetectionWorker>();
        }

        return services;
    }
}
