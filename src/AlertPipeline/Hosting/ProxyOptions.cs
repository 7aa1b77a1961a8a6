using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Hosting;

/// <summary>
/// The reverse proxies allowed to say who the client is and whether it used TLS (section <c>Proxy</c>). Empty (the
/// default) trusts no one: <c>X-Forwarded-*</c> headers are ignored, because anyone could send them.
/// </summary>
internal sealed class ProxyOptions
{
    public const string Section = "Proxy";

    /// <summary>Addresses of the proxies in front of the console, e.g. <c>["127.0.0.1"]</c> for nginx on the same machine.</summary>
    public IList<string> KnownProxies { get; } = [];

    /// <summary>Networks proxies may be in, in CIDR form, e.g. <c>["10.0.0.0/8"]</c>.</summary>
    public IList<string> KnownNetworks { get; } = [];

    /// <summary>
    /// How long browsers are told to use HTTPS only (<c>Strict-Transport-Security</c>), sent on every response that
    /// came over TLS (directly or through a known proxy).
    /// </summary>
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);
}

internal sealed class ProxyOptionsValidator : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(options.KnownProxies[i], out _))
            {
                failures.Add($"Proxy:KnownProxies:{i} must be an IP address such as 127.0.0.1 (was '{options.KnownProxies[i]}').");
            }
        }

        for (var i = 0; i < options.KnownNetworks.Count; i++)
        {
            if (!System.Net.IPNetwork.TryParse(options.KnownNetworks[i], out _))
            {
                failures.Add($"Proxy:KnownNetworks:{i} must be a network in CIDR form such as 10.0.0.0/8 (was '{options.KnownNetworks[i]}').");
            }
        }

        if (options.HstsMaxAge < TimeSpan.Zero)
        {
            failures.Add($"Proxy:HstsMaxAge must not be negative (was '{options.HstsMaxAge}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal static class ProxyServices
{
    public static IServiceCollection AddProxySupport(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProxyOptions>().Bind(configuration.GetSection(ProxyOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidator>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((forwarded, proxy) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The framework trusts loopback by default; here only what the operator listed is trusted.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var address in proxy.Value.KnownProxies)
            {
                if (IPAddress.TryParse(address, out var ip))
                {
                    forwarded.KnownProxies.Add(ip);
                }
            }

            foreach (var network in proxy.Value.KnownNetworks)
            {
                if (System.Net.IPNetwork.TryParse(network, out var parsed))
                {
                    forwarded.KnownIPNetworks.Add(parsed);
                }
            }
        });
        return services;
    }

    /// <summary>
    /// Reads <c>X-Forwarded-For</c>/<c>-Proto</c> from known proxies (so rate limits and lockouts see the client's
    /// address, and cookies are Secure behind TLS), then sends HSTS on every response that came over TLS.
    /// Must run before rate limiting and authentication.
    /// </summary>
    public static WebApplication UseProxySupport(this WebApplication app)
    {
        var proxy = app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value;
        var hsts = $"max-age={(long)proxy.HstsMaxAge.TotalSeconds}";
        // The middleware trusts every peer when its lists are empty, so with no proxy configured it is not used at all.
        if (proxy.KnownProxies.Count > 0 || proxy.KnownNetworks.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        app.Use((context, next) =>
        {
            if (context.Request.IsHttps && proxy.HstsMaxAge > TimeSpan.Zero)
            {
                context.Response.Headers.StrictTransportSecurity = hsts;
            }

            return next(context);
        });
        return app;
    }
}
