using AlertPipeline.Storage;
using System.Globalization;
using System.Text.Json;
using AlertPipeline.Hosting;
using AlertPipeline.Notifications;
using AlertPipeline.Queue;
using AlertPipeline.Transport.Kafka;
using AlertPipeline.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Watchdog;

internal static class WatchdogServices
{
    /// <summary>
    /// The watchdog, its probes for what this process runs, its metrics and the health checks. Which probes: the
    /// embedded queue wherever it is the transport (any role on that directory sees detection's position); Kafka lag
    /// where this process detects; the outbox where this process detects or responds (both hold alerts.db); stores
    /// always.
    /// </summary>
    public static IServiceCollection AddWatchdog(this IServiceCollection services, IConfiguration configuration, HostRoles roles, bool kafka)
    {
        services.AddOptions<WatchdogOptions>().Bind(configuration.GetSection(WatchdogOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WatchdogOptions>, WatchdogOptionsValidator>();
        services.AddMetrics();
        services.AddSingleton<StoreFaults>();
        services.AddSingleton<Web.IPageBanner, WatchdogBanner>();
        services.AddSingleton<IWatchdogProbe, StoreFaultsProbe>();
        if (!kafka)
        {
            services.AddSingleton<IWatchdogProbe, EmbeddedQueueProbe>();
        }
        else if (roles.HasFlag(HostRoles.Detect))
        {
            services.AddSingleton<IWatchdogProbe>(sp => new KafkaLagProbe(
                (KafkaEventConsumer)sp.GetRequiredService<IEventConsumer>(), sp.GetRequiredService<IOptions<WatchdogOptions>>()));
        }

        if ((roles & (HostRoles.Detect | HostRoles.Respond)) != 0)
        {
            services.AddSingleton<IWatchdogProbe, OutboxProbe>();
        }

        services.AddSingleton<WatchdogAlarm>();
        services.AddSingleton<PipelineWatchdog>();
        services.AddSingleton<WatchdogMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<PipelineWatchdog>());
        services.AddHostedService<StoreDeepCheck>();
        services.AddHealthChecks();
        services.AddOptions<HealthCheckServiceOptions>().Configure<IServiceProvider>((o, sp) =>
        {
            foreach (var check in sp.GetRequiredService<PipelineWatchdog>().Checks)
            {
                o.Registrations.Add(new HealthCheckRegistration(check, s => new WatchdogHealthCheck(s.GetRequiredService<PipelineWatchdog>(), check), null, ["ready"]));
            }
        });
        return services;
    }

    /// <summary>
    /// <c>/health/live</c>: the process answers (for a restart-on-failure probe; never fails for a pipeline problem,
    /// which a restart would not fix). <c>/health/ready</c>: every watchdog check, status 200 when healthy or degraded,
    /// 503 when unhealthy. Names and statuses are public; reasons and figures only for signed-in IT, trust DSL and
    /// admin (ADR 0021). Ingest answers 503 while a store is damaged.
    /// </summary>
    public static WebApplication MapWatchdog(this WebApplication app)
    {
        _ = app.Services.GetRequiredService<WatchdogMetrics>(); // Registers the instruments.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains("ready"),
            ResponseWriter = WriteReadyAsync,
        });
        return app;
    }

    /// <summary>While a store is damaged, events could be accepted but never turned into alerts: refuse them, and say why.</summary>
    public static WebApplication UseStoreFaultGate(this WebApplication app)
    {
        var faults = app.Services.GetRequiredService<StoreFaults>();
        app.Use(async (context, next) =>
        {
            if (faults.Any && context.Request.Path.StartsWithSegments("/api/v1/events", StringComparison.Ordinal) && HttpMethods.IsPost(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "60";
                await context.Response.WriteAsJsonAsync(new
                {
                    error = "a store of the pipeline is damaged, so events cannot be turned into alerts now; nothing of this batch was accepted. Keep the events and retry; IT has been alerted",
                }).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
        return app;
    }

    /// <summary>Whether the caller is signed in to the console as IT, the trust DSL or an admin: they see reasons and figures.</summary>
    public static async Task<bool> MaySeeFiguresAsync(HttpContext context)
    {
        var signedIn = await context.AuthenticateAsync(ConsolePolicies.Scheme).ConfigureAwait(false);
        var user = signedIn.Succeeded ? ConsoleUser.From(signedIn.Principal) : null;
        return user?.Role is ConsoleRoles.It or ConsoleRoles.TrustDsl or ConsoleRoles.Admin;
    }

    private static async Task WriteReadyAsync(HttpContext context, HealthReport report)
    {
        // Anonymous callers get each check's name and status, which is all a probe acts on; the reasons carry counts
        // (events waiting, notifications due) and file names, so they go with the figures to signed-in staff (ADR 0021).
        var figures = await MaySeeFiguresAsync(context).ConfigureAwait(false);
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = Name(report.Status),
            checks = report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => new
            {
                name = e.Key,
                status = Name(e.Value.Status),
                reason = figures ? e.Value.Description : null,
                figures = figures ? e.Value.Data : null,
            }),
        }, JsonOptions, context.RequestAborted).ConfigureAwait(false);
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    internal static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    internal static string Name(WatchdogLevel level) => level switch
    {
        WatchdogLevel.Ok => "ok",
        WatchdogLevel.Degraded => "degraded",
        _ => "unhealthy",
    };

    /// <summary>The console banner for IT, the trust DSL and admins: the watchdog's open problems, or nothing.</summary>
    public static string Banner(HttpContext context, ConsoleUser? user)
    {
        if (user?.Role is not (ConsoleRoles.It or ConsoleRoles.TrustDsl or ConsoleRoles.Admin)
            || context.RequestServices.GetService<PipelineWatchdog>() is not { } watchdog
            || watchdog.Problems is not { Count: > 0 } problems)
        {
            return string.Empty;
        }

        var items = string.Concat(problems.Select(p => string.Create(CultureInfo.InvariantCulture,
            $"<li><strong>{Web.Layout.E(p.Check)}</strong> ({Name(p.Level)}): {Web.Layout.E(p.Reason)}</li>")));
        return $"""<div class="watchdog-banner" role="alert"><p>The pipeline needs attention: alerts may be late or missing. Details on <a href="/health/ready">/health/ready</a>; IT has been emailed.</p><ul>{items}</ul></div>""";
    }
}

/// <summary>One watchdog check as an ASP.NET Core health check: its latest finding, with the reason and figures.</summary>
internal sealed class WatchdogHealthCheck(PipelineWatchdog watchdog, string check) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var finding = watchdog.Current.FirstOrDefault(f => f.Check == check);
        if (finding is null)
        {
            return Task.FromResult(HealthCheckResult.Healthy("not checked yet"));
        }

        var data = finding.Figures.ToDictionary(f => f.Key, f => (object)Math.Round(f.Value, 3));
        return Task.FromResult(finding.Level switch
        {
            WatchdogLevel.Ok => HealthCheckResult.Healthy(finding.Reason, data),
            WatchdogLevel.Degraded => HealthCheckResult.Degraded(finding.Reason, data: data),
            _ => HealthCheckResult.Unhealthy(finding.Reason, data: data),
        });
    }
}

/// <summary>The watchdog's banner on every console page (<see cref="WatchdogServices.Banner"/>).</summary>
internal sealed class WatchdogBanner : Web.IPageBanner
{
    public string Render(HttpContext context, ConsoleUser? user) => WatchdogServices.Banner(context, user);
}
