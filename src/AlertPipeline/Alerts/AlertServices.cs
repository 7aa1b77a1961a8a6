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

    /// <summary>
    /// The alert store the offline commands read, or a clear refusal where there is none: on SQLite the data
    /// directory's <c>alerts.db</c> must exist (a command never creates an empty store where the pipeline never ran);
    /// on PostgreSQL the store is the trust's database, wherever the command runs, and is opened here, so an unreachable
    /// server is one line naming it.
    /// </summary>
    public static IAlertStore RequireStore(IServiceProvider services, string command)
    {
        var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        if (!storage.IsPostgres && !AlertStore.Exists(storage))
        {
            throw new Kernel.CliException($"{command}: no alert store in '{storage.FullDataDirectory}' (run 'alertpipeline demo' or 'serve' with this --data-dir first)");
        }

        return services.GetRequiredService<IAlertStore>();
    }
}
