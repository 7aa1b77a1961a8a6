using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using AlertPipeline.Watchdog;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace AlertPipeline.Hosting;

/// <summary>
/// Section <c>Metrics</c>: the Prometheus scrape endpoint <c>/metrics</c> (ADR 0021). Off unless
/// <see cref="Enabled"/>; then it must be reachable only from this machine (<see cref="Url"/>, a loopback address
/// with its own port) or only with a token (<see cref="ScrapeToken"/>), or both. Never public: the figures (backlog,
/// alerts by severity) say how a trust's safeguarding is going, which is not for anyone who can reach the console.
/// </summary>
internal sealed class MetricsOptions
{
    public const string Section = "Metrics";

    public const string Path = "/metrics";

    public bool Enabled { get; set; }

    /// <summary>A loopback URL with its own port (e.g. <c>http://127.0.0.1:9464</c>): <c>/metrics</c> answers there and nowhere else.</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>Prometheus sends it as <c>Authorization: Bearer …</c> (its <c>authorization.credentials</c>); at least 32 characters.</summary>
    public string ScrapeToken { get; set; } = string.Empty;

    public const int MinimumTokenLength = 32;

    /// <summary>The port of <see cref="Url"/>, or null without one (call after validation).</summary>
    public int? Port => Url.Length == 0 ? null : new Uri(Url).Port;
}

internal sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        var failures = new List<string>();
        if (options.Url.Length > 0 && Problem(options.Url) is { } problem)
        {
            failures.Add($"Metrics:Url must be an http URL on a loopback address with its own port, e.g. http://127.0.0.1:9464 (was '{options.Url}'): {problem}.");
        }

        if (options.ScrapeToken.Length > 0 && (options.ScrapeToken.Length < MetricsOptions.MinimumTokenLength || options.ScrapeToken.Any(char.IsWhiteSpace)))
        {
            // The value itself is a secret: named by its length only.
            failures.Add($"Metrics:ScrapeToken must be at least {MetricsOptions.MinimumTokenLength} characters without spaces (was {options.ScrapeToken.Length} characters); make one with `openssl rand -hex 32`.");
        }

        if (options.Enabled && options.Url.Length == 0 && options.ScrapeToken.Length == 0)
        {
            failures.Add("Metrics:Enabled is true but neither Metrics:Url (a loopback address) nor Metrics:ScrapeToken is set: /metrics would be public. Set one of them.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string? Problem(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            return "not an absolute http:// URL";
        }

        if (!uri.IsLoopback)
        {
            return "the host is not loopback (127.0.0.1, [::1] or localhost)";
        }

        if (uri.IsDefaultPort || uri.Port == 0)
        {
            return "it needs an explicit port of its own";
        }

        return uri.AbsolutePath is "/" && uri.Query.Length == 0 ? null : "give the address only; the path is always /metrics";
    }
}

internal static class MetricsEndpoint
{
    /// <summary>The Kestrel URLs: the host's own, plus the metrics URL when one is configured and enabled.</summary>
    public static string Urls(IConfiguration configuration, string hostUrls)
    {
        var section = configuration.GetSection(MetricsOptions.Section);
        return section.GetValue<bool>("Enabled") && section["Url"] is { Length: > 0 } url ? $"{hostUrls};{url}" : hostUrls;
    }

    public static IServiceCollection AddMetricsEndpoint(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>().Bind(configuration.GetSection(MetricsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        if (!configuration.GetSection(MetricsOptions.Section).GetValue<bool>("Enabled"))
        {
            return services; // Off: no OpenTelemetry listener at all, so recording costs what an unobserved instrument costs.
        }

        services.AddOpenTelemetry().WithMetrics(metrics => OnlyThisHost(metrics)
            .AddMeter(PipelineMetrics.MeterName, WatchdogMetrics.MeterName)
            .AddPrometheusExporter(o =>
            {
                // Every scrape reads the current figures; Prometheus's own interval is the rate limit.
                o.ScrapeResponseCacheDurationMilliseconds = 0;
                o.ScrapeEndpointPath = MetricsOptions.Path;
            }));
        return services;
    }

    /// <summary>
    /// The listener matches meters by name across the whole process, but this host's meters come from its own
    /// <see cref="IMeterFactory"/> (their <see cref="Meter.Scope"/>). Instruments of another host in the same process
    /// (each test's host, the benchmark's detect processes) are dropped, so a scrape reads only this host's figures.
    /// </summary>
    private static MeterProviderBuilder OnlyThisHost(MeterProviderBuilder metrics)
    {
        ((IDeferredMeterProviderBuilder)metrics).Configure((provider, builder) =>
        {
            var own = provider.GetRequiredService<IMeterFactory>();
            builder.AddView(instrument => ReferenceEquals(instrument.Meter.Scope, own) ? null : MetricStreamConfiguration.Drop);
        });
        return metrics;
    }

    /// <summary>
    /// Serves <c>/metrics</c> when enabled, and only on the metrics port when one is configured; that port serves
    /// nothing else. With a token, a scrape without it gets 401 and no figures.
    /// </summary>
    public static WebApplication UseMetricsEndpoint(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.Enabled)
        {
            return app;
        }

        var port = options.Port;
        var token = Encoding.UTF8.GetBytes($"Bearer {options.ScrapeToken}");
        if (port is { } only)
        {
            app.Use((context, next) =>
            {
                if (context.Connection.LocalPort == only && !context.Request.Path.Equals(MetricsOptions.Path, StringComparison.Ordinal))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }

                return next(context);
            });
        }

        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: context => context.Request.Path.Equals(MetricsOptions.Path, StringComparison.Ordinal) && (port is null || context.Connection.LocalPort == port),
            path: null,
            configureBranchedPipeline: options.ScrapeToken.Length == 0 ? null : branch => branch.Use((context, next) =>
            {
                var sent = Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
                if (CryptographicOperations.FixedTimeEquals(sent, token))
                {
                    return next(context);
                }

                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"alertpipeline-metrics\"";
                return Task.CompletedTask;
            }),
            optionsName: null);
        return app;
    }
}
