using AlertPipeline.Storage;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Alerts;

internal static class AlertServices
{
    public static IServiceCollection AddAlerts(this IServiceCollection services)
    {
        services.AddSingleton<AlertStore>();
        services.AddSingleton<PostgresAlertStore>();
        services.AddSingleton<IAlertStore>(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.IsPostgres
            ? sp.GetRequiredService<PostgresAlertStore>()
            : sp.GetRequiredService<AlertStore>());
        return services;
    }
}
