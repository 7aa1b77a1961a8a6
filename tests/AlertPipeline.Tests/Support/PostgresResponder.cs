using AlertPipeline.Hosting;
using Serilog.Events;

namespace AlertPipeline.Tests.Support;

/// <summary>
/// The real host in the respond role against a shared PostgreSQL, with its own data directory, as a responder on its
/// own machine would run: tests start two or more to show that they share work without doing it twice.
/// </summary>
internal static class PostgresResponder
{
    public static async Task<WebApplication> StartAsync(
        string connectionString, string dataDirectory, IDictionary<string, string?> settings, Action<IServiceCollection>? configureServices = null)
    {
        var config = new Dictionary<string, string?>(settings)
        {
            ["Storage:DataDirectory"] = dataDirectory,
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = connectionString,
            ["Detection:KeywordsDirectory"] = Path.Combine(AppContext.BaseDirectory, "seeds", "keywords"),
        };
        var app = PipelineHost.Build(new HostSettings
        {
            Overrides = config,
            Urls = "http://127.0.0.1:0",
            ConsoleLogLevel = LogEventLevel.Warning,
            Roles = HostRoles.Respond,
            ConfigureServices = configureServices,
        });
        await app.StartAsync();
        return app;
    }
}
