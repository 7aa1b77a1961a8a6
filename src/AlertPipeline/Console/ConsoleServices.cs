using AlertPipeline.Web;
using AlertPipeline.Triage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using AlertPipeline.Devices;
using AlertPipeline.ConsoleUi.Lists;
using AlertPipeline.ConsoleUi.Pages;
using AlertPipeline.Users;
using Microsoft.Extensions.Options;

namespace AlertPipeline.ConsoleUi;

/// <summary>Registers and maps the console: sign-in, the DSL/IT/governor/admin pages and the API behind them.</summary>
internal static class ConsoleServices
{
    public static IServiceCollection AddConsole(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddConsoleSignIn(configuration);
        services.AddOptions<ConsoleOptions>().Bind(configuration.GetSection(ConsoleOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidator>();
        services.AddSingleton<Roster>();
        services.AddHostedService<RosterReloadService>();
        services.AddSingleton<AlertQueries>();
        services.AddSingleton<AlertDetailBuilder>();
        services.TryAddSingleton<IAlertTriage, StoreAlertTriage>();
        services.AddSingleton<AlertFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertFeed>());
        services.AddSingleton<KeywordEditor>();
        services.AddSingleton<TermCounts>();
        services.AddSingleton<DeviceActivity>();
        services.AddSingleton<Activity.PupilActivity>();
        return services;
    }

    public static WebApplication MapConsole(this WebApplication app)
    {
        app.Use(static (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
            if (!context.Request.Path.StartsWithSegments("/assets", StringComparison.Ordinal))
            {
                // Pupil data must not be kept by a browser or proxy cache. Written exactly as anti-forgery writes it,
                // so it does not log a warning each time it "overrides" ours.
                headers.CacheControl = "no-cache, no-store";
                headers.Pragma = "no-cache";
            }

            return next(context);
        });
        app.MapGet("/", (HttpContext context) => ConsoleUser.From(context.User) is { } user ? Results.Redirect(Layout.Home(user)) : Results.Redirect("/sign-in"))
            .RequireAuthorization(ConsolePolicies.SignedIn);
        app.MapGet("/assets/{name}", (string name) => Asset(name));
        app.MapSignIn();
        app.MapAccounts();
        app.MapAlertApi();
        app.MapAlertPages();
        app.MapListApi();
        app.MapListPages();
        app.MapDeadLetterPages();
        app.MapAuditPages();
        return app;
    }

    private static IResult Asset(string name)
    {
        var type = name switch
        {
            "console.css" => "text/css; charset=utf-8",
            "console.js" => "text/javascript; charset=utf-8",
            _ => null,
        };
        var stream = type is null ? null : typeof(ConsoleServices).Assembly.GetManifestResourceStream("AlertPipeline.Console.Assets." + name);
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }
}
