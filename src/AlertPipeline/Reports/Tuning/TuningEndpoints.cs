using System.Globalization;
using AlertPipeline.Reports.AnnualReview;
using AlertPipeline.Reports.GovernorSummary;
using AlertPipeline.Schools;
using AlertPipeline.Users;
using static AlertPipeline.Web.Layout;

namespace AlertPipeline.Reports.Tuning;

/// <summary>
/// <c>/it/tuning</c>: the tuning evidence for IT staff, per school or trust-wide and per academic year. Counts are
/// exact (IT tune on them and see no pupil, as on the keyword-list pages); the annual review pack summarises the same
/// figures with small numbers protected. Kept apart from the false-positive page of issue 13 (rules and model bands
/// with most false positives): this one is the year's evidence for the review.
/// </summary>
internal static class TuningEndpoints
{
    public const int MaxRules = 500;

    public static IEndpointRouteBuilder MapTuningEvidence(this IEndpointRouteBuilder app)
    {
        app.MapGet("/it/tuning", Page).RequireAuthorization(ConsolePolicies.Lists);
        return app;
    }

    private static IResult Page(HttpContext context, SchoolDirectory schools, AnnualReviewBuilder reviews, TimeProvider clock)
    {
        var q = context.Request.Query;
        var school = q["school"].FirstOrDefault() is { Length: > 0 } s ? s : ReportPeriod.Trust;
        var today = clock.GetUtcNow();
        var current = new AcademicYear(today.Month >= 9 ? today.Year : today.Year - 1);
        var yearText = q["year"].FirstOrDefault() is { Length: > 0 } y ? y : current.ToString();
        if (school != ReportPeriod.Trust && !schools.IsConfigured(school))
        {
            return Web.Layout.Page(context, "Tuning evidence", $"<h1>Tuning evidence</h1><p class=\"error\" role=\"alert\">school '{E(school)}' is not a school of this trust.</p>", StatusCodes.Status400BadRequest);
        }

        if (AcademicYear.Parse(yearText) is not { } year)
        {
            return Web.Layout.Page(context, "Tuning evidence", $"<h1>Tuning evidence</h1><p class=\"error\" role=\"alert\">year must be an academic year such as 2025-26 (was '{E(yearText)}').</p>", StatusCodes.Status400BadRequest);
        }

        var data = reviews.TuningFor(school, year);
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        static string Pct(double? p) => p is { } v ? (v * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "–";
        var scopes = new[] { (Id: ReportPeriod.Trust, Name: schools.TrustName + " (all schools)") }
            .Concat(schools.Configured.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => (Id: c.SchoolId, c.Name)));
        var years = Enumerable.Range(0, 3).Select(i => new AcademicYear(current.StartYear - i).ToString());
        var rules = string.Concat(data.Rules.Take(MaxRules).Select(r => $"""
            <tr><th scope="row"><code>{E(r.Rule)}</code></th><td>{E(DisplayText.Category(r.Category))}</td>
            <td>{N(r.Alerts)}</td><td>{N(r.Confirmed)}</td><td>{N(r.FalsePositives)}</td><td>{N(r.Closed)}</td><td>{Pct(r.Precision)}</td></tr>
            """));
        var never = string.Concat(data.NeverFired.GroupBy(e => e.Category, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"""
            <details><summary>{E(DisplayText.Category(g.Key))}: {g.Count()} of {data.Rules.Count(r => r.Category == g.Key) + g.Count()} entries never fired</summary>
            <p>{string.Join(", ", g.Select(e => $"<code>{E(e.Term)}</code>"))}</p></details>
            """));
        var thin = string.Concat(data.Thin.Select(t => $"<tr><th scope=\"row\">{E(DisplayText.Category(t.Category))}</th><td>{t.Entries}</td></tr>"));
        return Web.Layout.Page(context, "Tuning evidence", $"""
            <h1>Tuning evidence</h1>
            <p class="muted">Per rule: the alerts it took part in over the academic year and how DSLs closed them (precision = confirmed or referred over closed).
            Rules that never fired and categories with fewer than {TuningEvidence.ThinCoverage} entries are where coverage may be thin. Test alerts of monitoring checks are not counted.
            The annual review pack carries the same figures with small numbers protected.</p>
            <form method="get" action="/it/tuning" class="card filters" id="tuning-filter">
              <label>School <select name="school">{string.Concat(scopes.Select(c => $"<option value=\"{E(c.Id)}\"{(c.Id == school ? " selected" : "")}>{E(c.Name)}</option>"))}</select></label>
              <label>Academic year <select name="year">{string.Concat(years.Select(v => $"<option{(v == year.ToString() ? " selected" : "")}>{E(v)}</option>"))}</select></label>
              <button type="submit">Show</button>
            </form>
            <p id="tuning-summary">{N(data.Rules.Count)} rules raised alerts in {E(year.ToString())}; {N(data.NeverFired.Count)} of {N(data.Entries)} list entries never fired.</p>
            <section class="card">
              <h2>Per rule</h2>
              {(data.Rules.Count == 0 ? "<p class=\"muted\">No alert in this year.</p>" : $"""
              <table id="tuning-rules"><caption>Alerts, confirmed concerns and false positives per rule{(data.Rules.Count > MaxRules ? $", the {MaxRules} with most alerts" : "")}</caption>
                <thead><tr><th scope="col">Rule</th><th scope="col">Category</th><th scope="col">Alerts</th><th scope="col">Confirmed or referred</th><th scope="col">False positives</th><th scope="col">Closed</th><th scope="col">Precision</th></tr></thead>
                <tbody>{rules}</tbody>
              </table>
              """)}
            </section>
            <section class="card">
              <h2>Categories with thin coverage</h2>
              {(data.Thin.Count == 0 ? "<p class=\"muted\">None.</p>" : $"<table id=\"tuning-thin\"><caption>Fewer than {TuningEvidence.ThinCoverage} entries</caption><thead><tr><th scope=\"col\">Category</th><th scope=\"col\">Entries</th></tr></thead><tbody>{thin}</tbody></table>")}
            </section>
            <section class="card" id="tuning-never">
              <h2>Rules that never fired</h2>
              {(data.NeverFired.Count == 0 ? "<p class=\"muted\">None.</p>" : never)}
            </section>
            """);
    }
}
