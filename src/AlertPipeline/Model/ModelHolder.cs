using System.Collections.Concurrent;
using AlertPipeline.Detection.Model;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Model;

/// <summary>
/// The risk model in force (loaded once at start; null when <c>Model:Enabled</c> is false) and one
/// <see cref="ModelJudge"/> per school, since schools may set their own score bands.
/// </summary>
internal sealed partial class ModelHolder
{
    private readonly ModelOptions _options;
    private readonly ILogger<ModelHolder> _logger;
    private readonly ConcurrentDictionary<string, ModelJudge> _judges = new(StringComparer.Ordinal);

    public ModelHolder(IOptions<ModelOptions> options, ILogger<ModelHolder> logger)
    {
        _options = options.Value;
        _logger = logger;
        if (_options.Enabled)
        {
            Model = ModelArtefact.Load(_options.Path);
            LogLoaded(string.Join(", ", Model.Categories), _options.Path);
        }
    }

    public RiskModel? Model { get; }

    /// <summary>The judge for a school's events, or null when the model is off.</summary>
    public ModelJudge? For(string schoolId) =>
        Model is null ? null : _judges.GetOrAdd(schoolId, id => new ModelJudge(Model, _options.PolicyFor(id)));

    [LoggerMessage(Level = LogLevel.Information, Message = "Risk model loaded ({Categories}) from {Path}")]
    private partial void LogLoaded(string categories, string path);
}

internal static class ModelServices
{
    /// <summary>The risk model beside the keyword lists (section <c>Model</c>, validated on start).</summary>
    public static IServiceCollection AddRiskModel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ModelOptions>().Bind(configuration.GetSection(ModelOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModelOptions>, ModelOptionsValidator>();
        services.AddSingleton<ModelHolder>();
        return services;
    }
}
