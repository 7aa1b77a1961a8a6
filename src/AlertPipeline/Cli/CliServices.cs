using AlertPipeline.Alerts;
using AlertPipeline.Hosting;
using AlertPipeline.Notifications;
using AlertPipeline.Storage;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Cli;

/// <summary>Services for the offline commands (alerts, keys): configuration and stores, no web host, no workers.</summary>
internal static class CliServices
{
    public static ServiceProvider Create(CliArgs args)
    {
        var configuration = PipelineConfiguration.Build(args.Get("config"), args.CommonOverrides());
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddStorage(configuration).AddAlerts();
        services.AddSingleton<Ingest.ApiKeys.ApiKeyStore>();
        services.AddSingleton<Detection.Lists.KeywordVersionStore>();
        services.AddSingleton<Detection.Lists.KeywordSnapshots>();
        services.AddSingleton<Detection.DeadLetters>();
        Users.UserServices.AddUserAccounts(services, configuration);
        Hosting.ResponderComposition.AddResponder(services, configuration, runDispatcher: false);
        Reports.ReportServices.AddReportSources(services, configuration);
        services.AddSingleton<Ingest.Screenshots.ScreenshotStore>();
        Retention.RetentionServices.AddRetention(services, configuration);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        // Validate the way a host would on start, so a bad setting is one clear line here too.
        _ = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
        return provider;
    }
}
