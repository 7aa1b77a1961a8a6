using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.AspNetCore;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace AlertPipeline.Hosting;

/// <summary>
/// Serilog for every command: human-readable lines on stderr, and compact JSON (CLEF, one event a line) in a daily
/// rolling file under the data directory's <c>logs</c> folder. Levels come from the code's defaults, then the
/// <c>Serilog</c> section of the configuration (<c>Serilog:MinimumLevel:Default</c>,
/// <c>Serilog:MinimumLevel:Override:&lt;namespace&gt;</c>), so an operator can turn one area up without a rebuild.
/// </summary>
internal static class PipelineLogging
{
    public const string Section = "Serilog";

    /// <summary>Daily files kept: a month, so a problem reported after a half-term holiday still has its log.</summary>
    public const int RetainedFiles = 31;

    /// <summary>A day's file rolls over to <c>_001</c> at this size, so one noisy day cannot fill the disk.</summary>
    public const long FileSizeLimitBytes = 100L * 1024 * 1024;

    public static Serilog.ILogger Create(string? dataDirectory, LogEventLevel consoleLevel) => Create(dataDirectory, consoleLevel, null);

    /// <exception cref="OptionsValidationException">A level in the <c>Serilog</c> section is not a Serilog level.</exception>
    public static Serilog.ILogger Create(string? dataDirectory, LogEventLevel consoleLevel, IConfiguration? configuration)
    {
        var configured = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
            // Every failed key would log twice at Information; the ingest endpoint logs what matters.
            .MinimumLevel.Override("AlertPipeline.Ingest.ApiKeys.ApiKeyAuthenticationHandler", LogEventLevel.Warning)
            // Data protection keys sit in the data directory, protected by its file permissions (see README).
            .MinimumLevel.Override("Microsoft.AspNetCore.DataProtection", LogEventLevel.Error)
            .Enrich.FromLogContext();
        if (configuration?.GetSection(Section) is { } section && section.Exists())
        {
            // Checked first: Serilog's own reader would stop the start with "Requested value 'Loud' was not found".
            Validate(section);
            configured = configured.ReadFrom.Configuration(configuration);
        }

        // Logs go to stderr so that commands whose stdout is data (alerts list, scan) stay machine-readable.
        configured = configured.WriteTo.Console(
            restrictedToMinimumLevel: consoleLevel,
            outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}",
            standardErrorFromLevel: LogEventLevel.Verbose,
            formatProvider: CultureInfo.InvariantCulture);
        if (dataDirectory is null)
        {
            return configured.CreateLogger(); // Commands without a data directory (simulate) log to the console only.
        }

        // Rendered compact JSON: the message as read (@m) for people and grep, the event type (@i) and every property
        // as its own field for tools (jq, Seq, Loki), and the exception (@x) in full.
        return configured.WriteTo.File(
                new RenderedCompactJsonFormatter(),
                LogFile(dataDirectory),
                rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: RetainedFiles,
                fileSizeLimitBytes: FileSizeLimitBytes,
                rollOnFileSizeLimit: true)
            .CreateLogger();
    }

    /// <summary>The rolling file's path pattern (Serilog inserts the date before the extension).</summary>
    public static string LogFile(string dataDirectory) => Path.Combine(dataDirectory, "logs", "alertpipeline-.clef");

    /// <summary>
    /// One line per request: method, path (never the query string, which may carry a pupil's name or login searched
    /// for), status and time. Bodies are never read. Probes and scrapes log at Verbose so they do not drown the rest.
    /// </summary>
    public static void Configure(RequestLoggingOptions options, Serilog.ILogger logger)
    {
        options.Logger = logger; // Not the static Log.Logger: each host (and each test's host) logs to its own files.
        options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
        options.IncludeQueryInRequestPath = false;
        options.GetLevel = (context, _, exception) =>
            exception is not null || context.Response.StatusCode >= StatusCodes.Status500InternalServerError ? LogEventLevel.Error
            : context.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal)
              || context.Request.Path.StartsWithSegments("/metrics", StringComparison.Ordinal) ? LogEventLevel.Verbose
            : LogEventLevel.Information;
    }

    private static readonly string[] Levels = Enum.GetNames<LogEventLevel>();

    private static void Validate(IConfigurationSection section)
    {
        var failures = new List<string>();
        var minimum = section.GetSection("MinimumLevel");
        Check(minimum.Value is null ? minimum.GetSection("Default") : minimum);
        foreach (var child in minimum.GetSection("Override").GetChildren())
        {
            Check(child);
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Section, typeof(LoggerConfiguration), failures);
        }

        void Check(IConfigurationSection level)
        {
            if (level.Value is { } value && !Enum.TryParse<LogEventLevel>(value, ignoreCase: true, out _))
            {
                failures.Add($"{level.Path} must be one of {string.Join(", ", Levels)} (was '{value}').");
            }
        }
    }
}
