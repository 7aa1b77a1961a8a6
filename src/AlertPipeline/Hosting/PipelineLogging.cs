using Serilog;
using Serilog.Events;

namespace AlertPipeline.Hosting;

/// <summary>Serilog for every command: structured logs to the console and a daily rolling file under the data directory.</summary>
internal static class PipelineLogging
{
    public static Serilog.ILogger Create(string? dataDirectory, LogEventLevel consoleLevel)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
            // Every failed key would log twice at Information; the ingest endpoint logs what matters.
            .MinimumLevel.Override("AlertPipeline.Ingest.ApiKeys.ApiKeyAuthenticationHandler", LogEventLevel.Warning)
            // Data protection keys sit in the data directory, protected by its file permissions (see README).
            .MinimumLevel.Override("Microsoft.AspNetCore.DataProtection", LogEventLevel.Error)
            .Enrich.FromLogContext()
            // Logs go to stderr so that commands whose stdout is data (alerts list, scan) stay machine-readable.
            .WriteTo.Console(
                restrictedToMinimumLevel: consoleLevel,
                outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        if (dataDirectory is null)
        {
            return configuration.CreateLogger(); // Commands without a data directory (simulate) log to the console only.
        }

        return configuration.WriteTo.File(
                Path.Combine(dataDirectory, "logs", "alertpipeline-.log"),
                rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: 31,
                outputTemplate: "{Timestamp:O} {Level:u3} [{SourceContext}] {Message:lj} {Properties:j}{NewLine}{Exception}",
                formatProvider: System.Globalization.CultureInfo.InvariantCulture)
            .CreateLogger();
    }
}
