using System.Globalization;
using AlertPipeline.Audit;
using AlertPipeline.Reports.GovernorSummary;
using AlertPipeline.Schools;
using AlertPipeline.Users;
using static AlertPipeline.ConsoleUi.Pages.Layout;

namespace AlertPipeline.Reports.AnnualReview;

/// <summary>
/// <c>/reports</c> (choose a school and year) and <c>GET /reports/annual-review.pdf</c>. A DSL downloads the reviews of
/// their own school(s) only; the trust DSL and governors any school's or the trust's. IT and administrators none: the
/// pack holds no pupil data, but it is the school's safeguarding record, not a tuning tool.
/// </summary>
internal static class AnnualReviewEndpoints
{
    public static IEndpointRouteBuilder MapAnnualReview(this IEndpointRouteBuilder app)
    {
        app.MapGet("/reports", Page).RequireAuthorization(ConsolePolicies.SignedIn);
        app.MapGet("/reports/annual-review.pdf", Download).RequireAuthorization(ConsolePolicies.SignedIn);
        return app;
    }

    /// <summary>The schools (and "trust") this user may download a review of; empty for roles that may not.</summary>
    internal static IReadOnlyList<(string Id, string Name)> Scopes(ConsoleUser user, SchoolDirectory schools)
    {
        var configured = schools.Configured.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => (s.SchoolId, s.Name)).ToList();
        return user.Role switch
        {
            ConsoleRoles.TrustDsl or ConsoleRoles.Governor => [(ReportPeriod.Trust, schools.TrustName + " (all schools)"), .. configured],
            ConsoleRoles.Dsl => [.. configured.Where(s => user.Schools.Contains(s.SchoolId, StringComparer.Ordinal))],
            _ => [],
        };
    }

    private static AcademicYear CurrentYear(TimeProvider clock)
    {
        var today = clock.GetUtcNow();
        return new AcademicYear(today.Month >= 9 ? today.Year : today.Year - 1);
    }

    private static IResult Page(HttpContext context, SchoolDirectory schools, TimeProvider clock)
    {
        var user = ConsoleUser.From(context.User)!;
        var scopes = Scopes(user, schools);
        if (scopes.Count == 0)
        {
            return ConsoleUi.Pages.Layout.Page(context, "Reports", "<h1>Reports</h1><p class=\"error\">Not available to your role.</p>", StatusCodes.Status403Forbidden);
        }

        var year = CurrentYear(clock);
        var years = Enumerable.Range(0, 3).Select(i => new AcademicYear(year.StartYear - i));
        return ConsoleUi.Pages.Layout.Page(context, "Reports", $"""
            <h1>Annual online safety review</h1>
            <p class="muted">The pack for the school's annual review of filtering and monitoring (DfE standards): roles, coverage, alerts and outcomes by
            category, list changes with their reasons, tuning evidence, retention and the school's risk profile. Anonymised; small numbers protected.
            <code>alertpipeline reports annual-review</code> writes the same pack with a CSV of every table.</p>
            <form method="get" action="/reports/annual-review.pdf" class="card filters" id="annual-review">
              <label>School <select name="school">{string.Concat(scopes.Select(s => $"<option value=\"{E(s.Id)}\">{E(s.Name)}</option>"))}</select></label>
              <label>Academic year <select name="year">{string.Concat(years.Select(y => $"<option>{E(y.ToString())}</option>"))}</select></label>
              <button type="submit" class="primary">Download PDF</button>
            </form>
            """);
    }

    private static IResult Download(HttpContext context, SchoolDirectory schools, AnnualReviewBuilder reviews, AuditLog audit, TimeProvider clock)
    {
        var user = ConsoleUser.From(context.User)!;
        var school = context.Request.Query["school"].FirstOrDefault() ?? "";
        var yearText = context.Request.Query["year"].FirstOrDefault() ?? CurrentYear(clock).ToString();
        if (!Scopes(user, schools).Any(s => s.Id == school))
        {
            return Results.Json(new { error = $"the annual review of '{school}' is not available to your account" }, statusCode: StatusCodes.Status403Forbidden);
        }

        if (AcademicYear.Parse(yearText) is not { } year)
        {
            return Results.Json(new { error = $"year must be an academic year such as 2025-26 (was '{yearText}')" }, statusCode: StatusCodes.Status400BadRequest);
        }

        var pdf = AnnualReviewPack.RenderPdf(reviews.Build(school, year));
        audit.Append(user.Name, user.Role, AuditActions.ExportReport, null, school == ReportPeriod.Trust ? null : school, $"annual-review.pdf {school} {year}");
        return Results.File(pdf, "application/pdf", string.Create(CultureInfo.InvariantCulture, $"annual-review-{school}-{year}.pdf"));
    }
}
