using Microsoft.Extensions.Options;

namespace AlertPipeline.Storage;

internal static class StorageServices
{
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddSingleton<SystemDatabase>();
        // Resolved only when Storage:Provider is postgres (by the stores that live there); opening it checks the server.
        services.AddSingleton<Postgres.PostgresDatabase>();
        services.AddSingleton<RelationalStores>();
        return services;
    }

    /// <summary>Whether state is in the trust's PostgreSQL (<c>Storage:Provider=postgres</c>) rather than files in the data directory.</summary>
    public static bool IsPostgres(IServiceProvider services) =>
        services.GetRequiredService<IOptions<StorageOptions>>().Value.IsPostgres;

    /// <summary>The full path of the data directory these services were configured with.</summary>
    public static string DataDirectory(IServiceProvider services) =>
        services.GetRequiredService<IOptions<StorageOptions>>().Value.FullDataDirectory;
}
