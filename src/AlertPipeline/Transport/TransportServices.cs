using AlertPipeline.Detection;
using AlertPipeline.Hosting;
using AlertPipeline.Queue;
using AlertPipeline.Transport.Kafka;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Transport;

internal static class TransportServices
{
    public const string KindKey = "Transport:Kind";

    /// <summary>
    /// The event transport chosen by <c>Transport:Kind</c>: <c>embedded</c> (default: the SQLite queue in the data
    /// directory) or <c>kafka</c> (docs/delivery.md). Detection and alerting see only <see cref="IEventPublisher"/>,
    /// <see cref="IEventConsumer"/> and <see cref="IDeadLetterSink"/>.
    /// </summary>
    public static IServiceCollection AddTransport(this IServiceCollection services, IConfiguration configuration, HostRoles roles)
    {
        switch (Kind(configuration))
        {
            case "kafka":
                return services.AddKafkaTransport(configuration, roles);
            default:
                return services.AddEmbeddedQueue(configuration);
        }
    }

    /// <summary>The configured kind, lower-case; throws a validation error naming the key for anything unknown.</summary>
    public static string Kind(IConfiguration configuration)
    {
        var kind = configuration[KindKey] ?? "embedded";
        return kind.Trim().ToLowerInvariant() switch
        {
            "" or "embedded" => "embedded",
            "kafka" => "kafka",
            _ => throw new OptionsValidationException(KindKey, typeof(string),
                [$"{KindKey} must be 'embedded' or 'kafka' (was '{kind}')."]),
        };
    }

    private static IServiceCollection AddKafkaTransport(this IServiceCollection services, IConfiguration configuration, HostRoles roles)
    {
        // Detection's batch size is a queue setting whichever transport is underneath.
        services.AddOptions<QueueOptions>().Bind(configuration.GetSection(QueueOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<QueueOptions>, QueueOptionsValidator>();
        services.AddOptions<KafkaOptions>().Bind(configuration.GetSection(KafkaOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KafkaOptions>, KafkaOptionsValidator>();
        services.AddSingleton<KafkaProducer>();
        services.AddSingleton<IEventPublisher, KafkaEventPublisher>();
        services.AddSingleton<IEventConsumer, KafkaEventConsumer>();
        services.AddSingleton<IDeadLetterSink, KafkaDeadLetters>();
        if (roles.HasFlag(HostRoles.Respond))
        {
            services.AddHostedService<KafkaAlertRelay>();
        }

        return services;
    }
}
