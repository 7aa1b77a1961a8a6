namespace AlertPipeline.Alerts;

internal static class AlertServices
{
    public static IServiceCollection AddAlerts(this IServiceCollection services)
    {
        services.AddSingleton<AlertStore>();
        return services;
    }
}
