using System.Globalization;
using System.Text;
using System.Text.Json;
using AlertPipeline.Users;
using static AlertPipeline.ConsoleUi.Pages.Layout;

namespace AlertPipeline.Reports.GovernorSummary;

/// <summary><c>GET /api/v1/reports/governor-summary</c> and the <c>/summary</c> page with its charts.</summary>
internal static class GovernorSummaryEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapGovernorSummary(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/reports/governor-summary", (GovernorSummaryQuery query) => Results.Json(query.Build(), Json))
            .RequireAuthorization(ConsolePolicies.Aggregates);
        app.MapGet("/summary", Page).RequireAuthorization(ConsolePolicies.Aggregates);
        return app;
    }

    private static IResult Page(HttpContext context, GovernorSummaryQuery query)
    {
        var report = query.Build();
        return Render(context, report);
    }

    private static IResult Render(HttpContext context, GovernorReport r) => ConsoleUi.Pages.Layout.Page(context, "Summary", $"""
        <h1>Safeguarding alerts: summary</h1>
        <p class="muted">Counts of alerts raised by monitoring, across the trust. No pupil, text or individual alert is shown here.
        Any count from 1 to 4 is shown as “&lt;5” so that a small number cannot point to a child, and where one such count
        could be worked out from the total, another is shown only as “≥5”.</p>
        <p class="card"><strong>All alerts:</strong> <span id="total">{E(r.Total.Count)}</span></p>
        <div class="grid charts">
          <section class="card"><h2>By category</h2>{Chart("by-category", r.ByCategory)}</section>
          <section class="card"><h2>By severity</h2>{Chart("by-severity", r.BySeverity)}</section>
          <section class="card"><h2>By school</h2>{Chart("by-school", r.BySchool)}</section>
          <section class="card"><h2>By month</h2>{Chart("by-month", r.ByMonth)}</section>
        </div>
        """);

    /// <summary>A horizontal bar chart as inline SVG; a suppressed count is a short grey bar labelled "&lt;5".</summary>
    internal static string Chart(string id, IReadOnlyList<SummaryCount> counts)
    {
        if (counts.Count == 0)
        {
            return "<p class=\"muted\">No alerts.</p>";
        }

        const int labelWidth = 170, barWidth = 220, row = 28;
        var max = Math.Max(1, counts.Max(c => c.Value ?? 0));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg class=\"chart\" id=\"{id}\" role=\"img\" aria-label=\"{E(id.Replace('-', ' '))}\" viewBox=\"0 0 {labelWidth + barWidth + 50} {counts.Count * row + 4}\" width=\"{labelWidth + barWidth + 50}\">");
        for (var i = 0; i < counts.Count; i++)
        {
            var c = counts[i];
            var y = i * row + 2;
            var width = c.Value is { } v ? Math.Max(2, (int)(barWidth * v / (double)max)) : 10;
            svg.Append(CultureInfo.InvariantCulture, $"""
                <text x="0" y="{y + 17}">{E(c.Label)}</text>
                <rect class="{(c.Value is null ? "suppressed" : "bar")}" x="{labelWidth}" y="{y + 4}" width="{width}" height="{row - 8}" rx="2"></rect>
                <text x="{labelWidth + width + 6}" y="{y + 17}">{E(c.Count)}</text>
                """);
        }

        return svg.Append("</svg>").ToString();
    }
}
