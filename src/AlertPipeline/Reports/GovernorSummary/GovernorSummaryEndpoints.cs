using System.Globalization;
using System.Text;
using System.Text.Json;
using AlertPipeline.Audit;
using AlertPipeline.Reports.Suppression;
using AlertPipeline.Schools;
using AlertPipeline.Users;
using static AlertPipeline.Web.Layout;

namespace AlertPipeline.Reports.GovernorSummary;

/// <summary>
/// The governor summary in the console: the <c>/summary</c> page (key figures and charts for a chosen school or the
/// trust and period), <c>GET /reports/governor.pdf</c> (the same PDF the schedule emails) and
/// <c>GET /api/v1/reports/governor-summary</c>. Governors and trust DSLs only; a governor whose account names schools
/// sees those schools only, a governor with none is a trust governor.
/// </summary>
internal static class GovernorSummaryEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapGovernorSummary(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/reports/governor-summary", (HttpContext context, GovernorReportBuilder reports, SchoolDirectory schools) =>
                Resolve(context, schools, reports) is { Period: { } period } ? Results.Json(reports.Build(period), Json) : Refuse(context, schools, reports, api: true))
            .RequireAuthorization(ConsolePolicies.Aggregates);
        app.MapGet("/summary", Page).RequireAuthorization(ConsolePolicies.Aggregates);
        app.MapGet("/reports/governor.pdf", Download).RequireAuthorization(ConsolePolicies.Aggregates);
        return app;
    }

    /// <summary>The period asked for (defaults: the user's school or the trust; this month so far), or why not.</summary>
    private static (ReportPeriod? Period, string? Error, bool Forbidden) Resolve(HttpContext context, SchoolDirectory schools, GovernorReportBuilder reports)
    {
        var user = ConsoleUser.From(context.User)!;
        var query = context.Request.Query;
        var allowed = Scopes(user, schools);
        var school = query["school"].FirstOrDefault() is { Length: > 0 } s ? s : allowed[0].Id;
        if (!allowed.Any(a => a.Id == school))
        {
            return (null, $"the governor summary of '{school}' is not available to your account", true);
        }

        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(), reports.ZoneOf(school)).DateTime);
        DateOnly? Date(string name, DateOnly fallback) => query[name].FirstOrDefault() is { Length: > 0 } text
            ? DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null
            : fallback;
        var from = Date("from", new DateOnly(today.Year, today.Month, 1));
        var to = Date("to", today);
        if (from is null || to is null)
        {
            return (null, "from and to must be dates as yyyy-MM-dd", false);
        }

        return to < from || to.Value.DayNumber - from.Value.DayNumber > 400
            ? (null, "to must be on or after from, and a period at most 400 days long", false)
            : (new ReportPeriod(school, from.Value, to.Value), null, false);
    }

    /// <summary>The scopes this user may report on: the trust first when allowed.</summary>
    private static List<(string Id, string Name)> Scopes(ConsoleUser user, SchoolDirectory schools)
    {
        var configured = schools.Configured.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => (s.SchoolId, s.Name)).ToList();
        var trustWide = user.Role == ConsoleRoles.TrustDsl || user.Schools.Count == 0;
        return trustWide
            ? [(ReportPeriod.Trust, schools.TrustName + " (all schools)"), .. configured]
            : [.. configured.Where(s => user.Schools.Contains(s.SchoolId, StringComparer.Ordinal))];
    }

    private static IResult Refuse(HttpContext context, SchoolDirectory schools, GovernorReportBuilder reports, bool api)
    {
        var (_, error, forbidden) = Resolve(context, schools, reports);
        var status = forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest;
        return api
            ? Results.Json(new { error }, Json, statusCode: status)
            : Web.Layout.Page(context, "Summary", $"<h1>Summary</h1><p class=\"error\">{E(error)}</p>", status);
    }

    private static IResult Download(HttpContext context, GovernorReportBuilder reports, SchoolDirectory schools, AuditLog audit)
    {
        if (Resolve(context, schools, reports) is not { Period: { } period })
        {
            return Refuse(context, schools, reports, api: true);
        }

        var user = ConsoleUser.From(context.User)!;
        var pdf = GovernorPdf.Render(reports.Build(period));
        audit.Append(user.Name, user.Role, AuditActions.ExportReport, null, period.IsTrust ? null : period.SchoolId, "governor-summary.pdf " + period.Subject);
        return Results.File(pdf, "application/pdf", GovernorSummaryMail.FileName(period));
    }

    private static IResult Page(HttpContext context, GovernorReportBuilder reports, SchoolDirectory schools)
    {
        if (Resolve(context, schools, reports) is not { Period: { } period })
        {
            return Refuse(context, schools, reports, api: false);
        }

        var d = reports.Build(period);
        var user = ConsoleUser.From(context.User)!;
        var options = string.Concat(Scopes(user, schools).Select(s =>
            $"<option value=\"{E(s.Id)}\"{(s.Id == period.SchoolId ? " selected" : "")}>{E(s.Name)}</option>"));
        var query = $"school={Uri.EscapeDataString(period.SchoolId)}&from={period.From:yyyy-MM-dd}&to={period.To:yyyy-MM-dd}";
        var c = d.Current;
        return Web.Layout.Page(context, "Summary", string.Create(CultureInfo.InvariantCulture, $"""
            <h1>Online safety monitoring: governor summary</h1>
            <form method="get" action="/summary" class="card filters" id="period">
              <label>School <select name="school">{options}</select></label>
              <label>From <input type="date" name="from" value="{period.From:yyyy-MM-dd}"></label>
              <label>To <input type="date" name="to" value="{period.To:yyyy-MM-dd}"></label>
              <button type="submit">Show</button>
              <a class="button" id="download" href="/reports/governor.pdf?{E(query)}">Download PDF</a>
            </form>
            <p class="muted">{E(d.ScopeName)} · {E(period.Label)}. Anonymised counts of alerts raised by monitoring: no pupil, text or individual alert is shown here.
            {E(SmallNumbers.Rule)}</p>
            <div class="grid">
              <p class="card"><strong>All alerts:</strong> <span id="total">{E(c.Total.Display)}</span> <span class="muted">(previous period {E(d.Previous.Total.Display)}{(d.YearEarlier is null ? "" : $", same period last year {E(d.YearEarlier.Total.Display)}")})</span></p>
            </div>
            <div class="grid charts">
              <section class="card"><h2>By category</h2>{Chart("by-category", c.Table(GovernorReportBuilder.ByCategory))}</section>
              <section class="card"><h2>By severity</h2>{Chart("by-severity", c.Table(GovernorReportBuilder.BySeverity))}</section>
              {(period.IsTrust ? $"<section class=\"card\"><h2>By school</h2>{Chart("by-school", c.Table(GovernorReportBuilder.BySchool))}</section>" : "")}
              <section class="card"><h2>Outcomes</h2>{Chart("by-outcome", c.Table(GovernorReportBuilder.ByOutcome))}</section>
              <section class="card"><h2>Year group</h2>{Chart("by-year-group", c.Table(GovernorReportBuilder.ByYearGroup))}</section>
              <section class="card"><h2>In and out of school hours</h2>{Chart("by-hours", c.Table(GovernorReportBuilder.ByHours))}</section>
            </div>
            """));
    }

    /// <summary>
    /// A horizontal bar chart as inline SVG; a withheld count is a short grey stub labelled "&lt;5" or "≥5". The same
    /// figures follow as a table for assistive technology (WCAG 1.1.1: a chart's numbers must be available as text),
    /// and the drawing itself is hidden from it so each figure is read once.
    /// </summary>
    internal static string Chart(string id, ShownTable table)
    {
        if (table.Withheld)
        {
            return $"<p class=\"muted\" id=\"{id}\">Withheld to protect small numbers.</p>";
        }

        var counts = table.Cells;
        if (counts.Count == 0 || counts.All(c => c.Value == 0))
        {
            return $"<p class=\"muted\" id=\"{id}\">No alerts.</p>";
        }

        const int labelWidth = 190, barWidth = 220, row = 28;
        var max = Math.Max(1, counts.Max(c => c.Value ?? 0));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg class=\"chart\" id=\"{id}\" aria-hidden=\"true\" focusable=\"false\" viewBox=\"0 0 {labelWidth + barWidth + 50} {counts.Count * row + 4}\" width=\"{labelWidth + barWidth + 50}\">");
        for (var i = 0; i < counts.Count; i++)
        {
            var c = counts[i];
            var y = i * row + 2;
            var width = c.Value is { } v ? Math.Max(2, (int)(barWidth * v / (double)max)) : 10;
            svg.Append(CultureInfo.InvariantCulture, $"""
                <text x="0" y="{y + 17}">{E(c.Label)}</text>
                <rect class="{(c.Value is null ? "suppressed" : "bar")}" x="{labelWidth}" y="{y + 4}" width="{width}" height="{row - 8}" rx="2"></rect>
                <text x="{labelWidth + width + 6}" y="{y + 17}">{E(c.Display)}</text>
                """);
        }

        svg.Append("</svg>");
        svg.Append(CultureInfo.InvariantCulture, $"<table class=\"visually-hidden\" id=\"{id}-figures\"><caption>{E(table.Title)}</caption><thead><tr><th scope=\"col\">Group</th><th scope=\"col\">Alerts</th></tr></thead><tbody>");
        foreach (var c in counts)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\">{E(c.Label)}</th><td>{E(c.Display)}</td></tr>");
        }

        return svg.Append("</tbody></table>").ToString();
    }
}
