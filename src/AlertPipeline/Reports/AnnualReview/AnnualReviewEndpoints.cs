using System.Globalization;
using AlertPipeline.Audit;
using AlertPipeline.Reports.GovernorSummary;
using AlertPipeline.Schools;
using AlertPipeline.Users;
using static AlertPipeline.Web.Layout;

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
        var forms = app.MapGroup("").AddEndpointFilter<AntiforgeryFilter>().RequireAuthorization(ConsolePolicies.SignedIn);
        forms.MapGet("/reports/risk-profile", RiskProfilePage);
        forms.MapPost("/reports/risk-profile", SaveRiskProfileAsync);
        return app;
    }

    /// <summary>The schools whose risk profile this user may write: a DSL their own, the trust DSL any. Not governors (they read it in the pack).</summary>
    internal static IReadOnlyList<(string Id, string Name)> ProfileScopes(ConsoleUser user, SchoolDirectory schools) =>
        [.. Scopes(user, schools).Where(s => s.Id != ReportPeriod.Trust && user.Role is ConsoleRoles.Dsl or ConsoleRoles.TrustDsl)];

    public const int MaxProfileText = 4000;

    private static IResult RiskProfilePage(HttpContext context, SchoolDirectory schools, RiskProfileStore store, Microsoft.Extensions.Options.IOptionsMonitor<AnnualReviewOptions> options) =>
        RenderRiskProfile(context, schools, store, options, context.Request.Query["school"].FirstOrDefault(), null, StatusCodes.Status200OK);

    private static IResult RenderRiskProfile(HttpContext context, SchoolDirectory schools, RiskProfileStore store,
        Microsoft.Extensions.Options.IOptionsMonitor<AnnualReviewOptions> options, string? school, string? error, int status)
    {
        var user = ConsoleUser.From(context.User)!;
        var scopes = ProfileScopes(user, schools);
        if (scopes.Count == 0)
        {
            return Web.Layout.Page(context, "Risk profile", "<h1>Risk profile</h1><p class=\"error\">Not available to your role.</p>", StatusCodes.Status403Forbidden);
        }

        var id = scopes.Any(s => s.Id == school) ? school! : scopes[0].Id;
        var stored = store.Latest(id);
        var p = stored?.Profile ?? options.CurrentValue.Schools.GetValueOrDefault(id)?.RiskProfile ?? new RiskProfileOptions();
        string Area(string name, string label, string value, string hint) =>
            $"<label>{E(label)} <span class=\"muted\">{E(hint)}</span><textarea name=\"{name}\" rows=\"3\" maxlength=\"{MaxProfileText}\">{E(value)}</textarea></label>";
        return Web.Layout.Page(context, "Risk profile", $"""
            <h1>The school's risk profile</h1>
            <p class="muted">The annual online safety review asks whether filtering and monitoring fit the school's own risks. What you write here is carried,
            with your name and the date, by the review pack. Each save is kept; the pack shows the latest.</p>
            {(error is null ? "" : $"<p class=\"error\" role=\"alert\">{E(error)}</p>")}
            <form method="get" action="/reports/risk-profile" class="card filters">
              <label>School <select name="school">{string.Concat(scopes.Select(s => $"<option value=\"{E(s.Id)}\"{(s.Id == id ? " selected" : "")}>{E(s.Name)}</option>"))}</select></label>
              <button type="submit">Show</button>
            </form>
            <form method="post" action="/reports/risk-profile" class="card stack" id="risk-profile">
              {HiddenToken(context)}
              <input type="hidden" name="school" value="{E(id)}">
              <p>{(stored is null ? "Not yet saved in the console" + (p.AgeRange.Length + p.Send.Length + p.Eal.Length + p.LocalRisks.Length > 0 ? " (shown: the configuration's notes)." : ".") : $"Last saved by {E(stored.UpdatedBy)} on {Time(stored.UpdatedAt)}.")}</p>
              {Area("ageRange", "Age range", p.AgeRange, "e.g. 11-18, mixed")}
              {Area("send", "SEND", p.Send, "pupils with special educational needs and disabilities: what they mean for online risk")}
              {Area("eal", "EAL", p.Eal, "pupils with English as an additional language: languages the lists may not cover")}
              {Area("localRisks", "Known local risks", p.LocalRisks, "e.g. county lines, local gangs, a recent incident")}
              <button type="submit" class="primary">Save</button>
            </form>
            <p><a href="/reports">Back to the annual review</a></p>
            """, status);
    }

    private static async Task<IResult> SaveRiskProfileAsync(HttpContext context, SchoolDirectory schools, RiskProfileStore store,
        Microsoft.Extensions.Options.IOptionsMonitor<AnnualReviewOptions> options, AuditLog audit, TimeProvider clock)
    {
        var user = ConsoleUser.From(context.User)!;
        var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
        var school = form["school"].FirstOrDefault() ?? "";
        if (!ProfileScopes(user, schools).Any(s => s.Id == school))
        {
            return RenderRiskProfile(context, schools, store, options, null, $"the risk profile of '{school}' is not available to your account", StatusCodes.Status403Forbidden);
        }

        var profile = new RiskProfileOptions
        {
            AgeRange = (form["ageRange"].FirstOrDefault() ?? "").Trim(),
            Send = (form["send"].FirstOrDefault() ?? "").Trim(),
            Eal = (form["eal"].FirstOrDefault() ?? "").Trim(),
            LocalRisks = (form["localRisks"].FirstOrDefault() ?? "").Trim(),
        };
        foreach (var (field, value) in new[] { ("age range", profile.AgeRange), ("SEND", profile.Send), ("EAL", profile.Eal), ("known local risks", profile.LocalRisks) })
        {
            if (value.Length > MaxProfileText)
            {
                return RenderRiskProfile(context, schools, store, options, school, $"{field} is at most {MaxProfileText} characters (was {value.Length})", StatusCodes.Status400BadRequest);
            }
        }

        store.Save(school, profile, clock.GetUtcNow(), user.Name);
        audit.Append(user.Name, user.Role, AuditActions.RiskProfileChange, schoolId: school, detail: "risk profile saved");
        return Results.Redirect("/reports/risk-profile?school=" + Uri.EscapeDataString(school), permanent: false);
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
            return Web.Layout.Page(context, "Reports", "<h1>Reports</h1><p class=\"error\">Not available to your role.</p>", StatusCodes.Status403Forbidden);
        }

        var year = CurrentYear(clock);
        var years = Enumerable.Range(0, 3).Select(i => new AcademicYear(year.StartYear - i));
        return Web.Layout.Page(context, "Reports", $"""
            <h1>Annual online safety review</h1>
            <p class="muted">The pack for the school's annual review of filtering and monitoring (DfE standards): roles, coverage, alerts and outcomes by
            category, list changes with their reasons, tuning evidence, retention and the school's risk profile. Anonymised; small numbers protected.
            <code>alertpipeline reports annual-review</code> writes the same pack with a CSV of every table.</p>
            <form method="get" action="/reports/annual-review.pdf" class="card filters" id="annual-review">
              <label>School <select name="school">{string.Concat(scopes.Select(s => $"<option value=\"{E(s.Id)}\">{E(s.Name)}</option>"))}</select></label>
              <label>Academic year <select name="year">{string.Concat(years.Select(y => $"<option>{E(y.ToString())}</option>"))}</select></label>
              <button type="submit" class="primary">Download PDF</button>
            </form>
            {(ProfileScopes(user, schools).Count > 0 ? "<p><a href=\"/reports/risk-profile\">Write the school's risk profile</a> (age range, SEND, EAL, known local risks): the pack carries it.</p>" : "")}
            {(user.Role is ConsoleRoles.Dsl or ConsoleRoles.TrustDsl ? "<p><a href=\"/checks\">The log of checks</a>: record a check, or run the end-to-end monitoring check.</p>" : "")}
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
