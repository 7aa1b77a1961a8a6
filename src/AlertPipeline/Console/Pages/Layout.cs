using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using AlertPipeline.Users;
using Microsoft.AspNetCore.Antiforgery;

namespace AlertPipeline.ConsoleUi.Pages;

/// <summary>
/// Server-rendered HTML. Every value from data goes through <see cref="E"/>; the pages carry no inline script or
/// style (the Content-Security-Policy forbids both), only <c>/assets/console.js</c> and <c>console.css</c>.
/// </summary>
internal static class Layout
{
    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? string.Empty);

    public static string Time(DateTimeOffset at) =>
        E(at.UtcDateTime.ToString("ddd d MMM yyyy HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));

    public static string IsoTime(DateTimeOffset at) => E(at.ToString("O", CultureInfo.InvariantCulture));

    public static IResult Page(HttpContext context, string title, string body, int status = StatusCodes.Status200OK)
    {
        var user = ConsoleUser.From(context.User);
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <!doctype html>
            <html lang="en-GB">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="csrf-token" content="{E(tokens.RequestToken)}">
            <title>{E(title)} · AlertPipeline</title>
            <link rel="stylesheet" href="/assets/console.css">
            <script src="/assets/console.js" defer></script>
            </head>
            <body>
            <header class="top">
              <a class="brand" href="/">AlertPipeline</a>
              <nav>{Nav(user)}</nav>
              {(user is null ? "" : $"""
                <form method="post" action="/sign-out" class="signout">
                  <span class="who">{E(user.Name)} · {E(user.Role)}{(user.Schools.Count > 0 ? " · " + E(string.Join(", ", user.Schools)) : "")}</span>
                  <input type="hidden" name="__RequestVerificationToken" value="{E(tokens.RequestToken)}">
                  <button type="submit" class="link">Sign out</button>
                </form>
                """)}
            </header>
            <main>
            {Watchdog.WatchdogServices.Banner(context, user)}{body}
            </main>
            </body>
            </html>
            """);
        return Results.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    public static string HiddenToken(HttpContext context) =>
        $"<input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"{E(context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context).RequestToken)}\">";

    /// <summary>The first page each role lands on.</summary>
    public static string Home(ConsoleUser user) => user.Role switch
    {
        ConsoleRoles.Dsl or ConsoleRoles.TrustDsl => "/alerts",
        ConsoleRoles.It => "/lists",
        ConsoleRoles.Governor => "/summary",
        _ => "/accounts",
    };

    private static string Nav(ConsoleUser? user)
    {
        if (user is null)
        {
            return string.Empty;
        }

        var links = new List<(string Href, string Text)>();
        if (user.SeesPupils)
        {
            links.Add(("/alerts", "Alerts"));
        }

        if (user.Role == ConsoleRoles.It)
        {
            links.Add(("/lists", "Keyword lists"));
            links.Add(("/lists/history", "List history"));
            links.Add(("/devices", "Devices"));
        }

        if (ConsolePolicies.Roles[ConsolePolicies.Aggregates].Contains(user.Role))
        {
            links.Add(("/summary", "Summary"));
        }

        if (ConsolePolicies.Roles[ConsolePolicies.Pipeline].Contains(user.Role))
        {
            links.Add(("/dead-letters", "Dead letters"));
        }

        if (user.Role == ConsoleRoles.Admin)
        {
            links.Add(("/accounts", "Accounts"));
        }

        return string.Concat(links.Select(l => $"<a href=\"{l.Href}\">{E(l.Text)}</a>"));
    }
}
