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

    /// <summary>A time as the school reads it, with the zone said: "Sat 5 Dec 2026 20:11:16 GMT".</summary>
    public static string Time(DateTimeOffset at, TimeZoneInfo zone) =>
        E(TimeZoneInfo.ConvertTime(at, zone).ToString("ddd d MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture) + " " + ZoneName(zone, at));

    /// <summary>
    /// A time in UK time, for a page with no school or request at hand (prefer <see cref="Time(DateTimeOffset, TimeZoneInfo)"/>
    /// with <see cref="Zone"/>): kept so pages written against the old UTC-only helper still build, now in the console's zone.
    /// </summary>
    public static string Time(DateTimeOffset at) => Time(at, UkTime);

    private static readonly TimeZoneInfo UkTime = Schools.SchoolHours.FindTimeZone("Europe/London") ?? TimeZoneInfo.Utc;

    /// <summary>GMT/BST for UK time (what staff say), UTC, or the offset from UTC for any other zone.</summary>
    public static string ZoneName(TimeZoneInfo zone, DateTimeOffset at)
    {
        if (zone.Id is "Europe/London" or "GMT Standard Time")
        {
            return zone.IsDaylightSavingTime(at) ? "BST" : "GMT";
        }

        var offset = zone.GetUtcOffset(at);
        return offset == TimeSpan.Zero ? "UTC" : "UTC" + (offset < TimeSpan.Zero ? "-" : "+") + offset.ToString("hh\\:mm", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The one time zone the console shows: the school's (its <c>TimeZone</c> setting), or for a user across several
    /// schools the first one's; UK time when the school is not configured.
    /// </summary>
    public static TimeZoneInfo Zone(HttpContext context, string? schoolId = null)
    {
        var trust = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Schools.TrustOptions>>().Value;
        var own = ConsoleUser.From(context.User)?.Schools;
        var id = schoolId ?? (own is { Count: > 0 } ? own[0] : null) ?? trust.Schools.Keys.Order(StringComparer.Ordinal).FirstOrDefault();
        var name = id is not null && trust.Schools.TryGetValue(id, out var school) ? school.TimeZone : "Europe/London";
        return Schools.SchoolHours.FindTimeZone(name) ?? Schools.SchoolHours.FindTimeZone("Europe/London") ?? TimeZoneInfo.Utc;
    }

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
            <meta name="time-zone" content="{E(Zone(context).Id)}">
            <title>{E(title)} · AlertPipeline</title>
            <link rel="stylesheet" href="/assets/console.css">
            <script src="/assets/console.js" defer></script>
            </head>
            <body>
            <a class="skip" href="#main">Skip to main content</a>
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
            <main id="main" tabindex="-1">
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
            links.Add(("/it/tuning", "Tuning evidence"));
        }

        if (ConsolePolicies.Roles[ConsolePolicies.Aggregates].Contains(user.Role))
        {
            links.Add(("/summary", "Summary"));
        }

        if (ConsolePolicies.Roles[ConsolePolicies.Pipeline].Contains(user.Role))
        {
            links.Add(("/dead-letters", "Dead letters"));
        }

        if (user.Role is ConsoleRoles.Dsl or ConsoleRoles.TrustDsl or ConsoleRoles.Governor)
        {
            links.Add(("/reports", "Annual review"));
        }

        if (user.Role is ConsoleRoles.Dsl or ConsoleRoles.TrustDsl or ConsoleRoles.It)
        {
            links.Add(("/checks", "Log of checks"));
        }

        if (user.Role == ConsoleRoles.Admin)
        {
            links.Add(("/accounts", "Accounts"));
        }

        if (ConsolePolicies.Roles[ConsolePolicies.AuditReader].Contains(user.Role))
        {
            links.Add(("/audit", "Audit log"));
        }

        return string.Concat(links.Select(l => $"<a href=\"{l.Href}\">{E(l.Text)}</a>"));
    }
}
