using AlertPipeline.Web;
using System.Globalization;
using System.Text;
using AlertPipeline.Audit;
using AlertPipeline.Users;
using static AlertPipeline.Web.Layout;

namespace AlertPipeline.ConsoleUi.Pages;

/// <summary>
/// The audit log as a page for the trust DSL (and the administrator): who viewed and did what, filtered by user,
/// pupil, alert, action and date, with a CSV export. Reading the log is itself audited. The administrator sees
/// triage rows by their verb only (see AlertEndpoints) and cannot filter by pupil, which would tell them which
/// pupils have alerts.
/// </summary>
internal static class AuditPages
{
    public static IEndpointRouteBuilder MapAuditPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/audit", Page).RequireAuthorization(ConsolePolicies.AuditReader);
        app.MapGet("/api/v1/audit/export", Export).RequireAuthorization(ConsolePolicies.AuditReader);
        return app;
    }

    private static (AuditQuery? Query, string? Error) Parse(HttpContext context, AlertQueries alerts, ConsoleUser user, int limit)
    {
        var q = context.Request.Query;
        string? Get(string name) => q[name].FirstOrDefault() is { Length: > 0 } v ? v.Trim() : null;
        var zone = Zone(context);
        DateTimeOffset? Day(string name, int add, out string? error)
        {
            error = null;
            if (Get(name) is not { } text)
            {
                return null;
            }

            if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                error = $"{name} must be a date yyyy-MM-dd (was '{text}')";
                return null;
            }

            // A day as the school reads it, not as UTC.
            var local = date.AddDays(add).ToDateTime(TimeOnly.MinValue);
            return new DateTimeOffset(local, zone.GetUtcOffset(local));
        }

        var from = Day("from", 0, out var fromError);
        var to = Day("to", 1, out var toError);
        if ((fromError ?? toError) is { } bad)
        {
            return (null, bad);
        }

        IReadOnlyCollection<string>? ids = null;
        if (Get("alert") is { } alert)
        {
            ids = [alert];
        }

        if (Get("pupil") is { } pupil)
        {
            if (!user.SeesPupils)
            {
                return (null, "filtering by pupil is for DSL roles");
            }

            var forPupil = alerts.AlertIdsForPupil(pupil, user.SchoolScope);
            ids = ids is null ? forPupil : [.. ids.Intersect(forPupil, StringComparer.Ordinal)];
        }

        return (new AuditQuery(Get("user"), ids, Get("action"), from, to, limit), null);
    }

    private static IEnumerable<AuditEntry> ForRole(ConsoleUser user, IEnumerable<AuditEntry> entries) =>
        user.SeesPupils ? entries : entries.Select(e => e.Action == AuditActions.Triage ? e with { Detail = e.Detail?.Split(' ', 2)[0] } : e);

    private static IResult Page(HttpContext context, AuditLog audit, AlertQueries alerts)
    {
        var user = context.ConsoleUserOf();
        var (query, error) = Parse(context, alerts, user, 200);
        var q = context.Request.Query;
        string V(string name) => E(q[name].FirstOrDefault());
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"""
            <h1>Audit log</h1>
            <form class="filters card" method="get" action="/audit" id="audit-filters">
              <label>User <input name="user" value="{V("user")}" placeholder="account name"></label>
              {(user.SeesPupils ? $"<label>Pupil login <input name=\"pupil\" value=\"{V("pupil")}\" placeholder=\"e.g. oak.y9\"></label>" : "")}
              <label>Alert <input name="alert" value="{V("alert")}" placeholder="alert id"></label>
              <label>Action <select name="action"><option value="">Any</option>{string.Concat(Actions.Select(a => $"<option{(a == q["action"].FirstOrDefault() ? " selected" : "")}>{a}</option>"))}</select></label>
              <label>From <input type="date" name="from" value="{V("from")}"></label>
              <label>To <input type="date" name="to" value="{V("to")}"></label>
              <button type="submit">Filter</button>
            </form>
            """);
        if (query is null)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"error\" role=\"alert\" id=\"audit-error\">{E(error)}</p>");
            return Layout.Page(context, "Audit log", body.ToString(), StatusCodes.Status400BadRequest);
        }

        var (entries, total) = audit.Search(query);
        audit.Append(user.Name, user.Role, AuditActions.ViewAudit, detail: Describe(context));
        var zone = Zone(context);
        body.Append(CultureInfo.InvariantCulture, $"""
            <p class="muted" id="audit-count">{total.ToString("N0", CultureInfo.InvariantCulture)} matching {(total == 1 ? "entry" : "entries")}{(total > entries.Count ? $", the newest {entries.Count} shown" : "")}. Times are {E(ZoneName(zone, DateTimeOffset.UtcNow))}.
              <a href="/api/v1/audit/export{E(context.Request.QueryString.Value)}">Export as CSV</a></p>
            <table id="audit"><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Role</th><th scope="col">Action</th><th scope="col">Alert</th><th scope="col">School</th><th scope="col">Detail</th></tr></thead><tbody>
            {string.Concat(ForRole(user, entries).Select(e => $"<tr><td><time datetime=\"{IsoTime(e.At)}\">{Time(e.At, zone)}</time></td><td>{E(e.Actor)}</td><td>{E(e.Role)}</td><td>{E(e.Action)}</td><td>{(e.AlertId is null ? "" : user.SeesPupils ? $"<a href=\"/alerts/{Uri.EscapeDataString(e.AlertId)}\">{E(e.AlertId)}</a>" : E(e.AlertId))}</td><td>{E(e.SchoolId)}</td><td><span class=\"detail\">{E(e.Detail)}</span></td></tr>"))}
            </tbody></table>
            """);
        return Layout.Page(context, "Audit log", body.ToString());
    }

    private static readonly string[] AuditHeader = ["id", "at_utc", "actor", "role", "action", "alert_id", "school_id", "detail"];

    private static IResult Export(HttpContext context, AuditLog audit, AlertQueries alerts)
    {
        var user = context.ConsoleUserOf();
        var (query, error) = Parse(context, alerts, user, 100_000);
        if (query is null)
        {
            return Results.Json(new { error }, statusCode: StatusCodes.Status400BadRequest);
        }

        var (entries, _) = audit.Search(query);
        audit.Append(user.Name, user.Role, AuditActions.ViewAudit, detail: "export " + Describe(context));
        var rows = ForRole(user, entries).Select(e => (IReadOnlyList<string>)
        [
            e.Id.ToString(CultureInfo.InvariantCulture), e.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), e.Actor, e.Role, e.Action,
            e.AlertId ?? "", e.SchoolId ?? "", e.Detail ?? "",
        ]);
        return Results.File(SpreadsheetCsv.File(AuditHeader, rows), "text/csv; charset=utf-8", "audit.csv");
    }

    private static string Describe(HttpContext context) =>
        context.Request.QueryString.HasValue ? "filters " + context.Request.QueryString.Value : "no filters";

    private static readonly string[] Actions =
    [
        AuditActions.ViewAlert, AuditActions.ViewScreenshot, AuditActions.ViewActivity, AuditActions.ExportAlert, AuditActions.Triage,
        AuditActions.SignIn, AuditActions.SignInFailed, AuditActions.SignOut, AuditActions.PasswordChanged, AuditActions.KeywordChange,
        AuditActions.AccountChange, AuditActions.Retention, AuditActions.ViewAudit,
    ];
}
