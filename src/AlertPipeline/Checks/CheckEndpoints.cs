using System.Globalization;
using System.Text.Json;
using AlertPipeline.Audit;
using AlertPipeline.Ingest;
using AlertPipeline.Ingest.ApiKeys;
using AlertPipeline.Schools;
using AlertPipeline.Users;
using static AlertPipeline.Web.Layout;

namespace AlertPipeline.Checks;

/// <summary>
/// The log of checks in the console (<c>/checks</c>: DSLs of their own schools, the trust DSL and IT; governors and
/// administrators not) and <c>POST /api/v1/monitoring/checks</c>, which <c>alertpipeline monitoring check</c> calls:
/// authenticated by a school-wide API key (never a device's), it runs the check on this host and streams its progress
/// as NDJSON, one line per step and a last <c>result</c> line.
/// </summary>
internal static class CheckEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public const int MaxText = 2000;

    public static IEndpointRouteBuilder MapMonitoringCheckApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/monitoring/checks", RunFromApiAsync).RequireAuthorization(IngestEndpoints.DeviceAgentPolicy);
        return app;
    }

    public static IEndpointRouteBuilder MapCheckPages(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("").AddEndpointFilter<AntiforgeryFilter>().RequireAuthorization(ConsolePolicies.SignedIn);
        pages.MapGet("/checks", Page);
        pages.MapPost("/checks", RecordAsync);
        pages.MapPost("/checks/run", RunFromConsoleAsync);
        pages.MapGet("/checks/{id:long}", Detail);
        return app;
    }

    /// <summary>The schools whose log this user may read and add to; empty for roles that may not.</summary>
    internal static IReadOnlyList<SchoolPolicy> Scope(ConsoleUser user, SchoolDirectory schools) => user.Role switch
    {
        ConsoleRoles.TrustDsl or ConsoleRoles.It => [.. schools.Configured.OrderBy(s => s.Name, StringComparer.Ordinal)],
        ConsoleRoles.Dsl => [.. schools.Configured.Where(s => user.Schools.Contains(s.SchoolId, StringComparer.Ordinal)).OrderBy(s => s.Name, StringComparer.Ordinal)],
        _ => [],
    };

    private static async Task<IResult> RunFromApiAsync(HttpContext context, MonitoringCheckRunner runner, AuditLog audit, ApiKeyStore keys, IHostApplicationLifetime lifetime)
    {
        var school = context.Request.Query["school"].FirstOrDefault() ?? "";
        var keySchool = context.User.FindFirst(ApiKeyAuthenticationHandler.SchoolClaim)!.Value;
        var keyId = context.User.FindFirst(ApiKeyAuthenticationHandler.KeyClaim)!.Value;
        if (context.User.FindFirst(ApiKeyAuthenticationHandler.DeviceClaim) is not null)
        {
            return Error(StatusCodes.Status403Forbidden, "a device's API key cannot start a monitoring check: use a school-wide key ('keys add --school ID' without --device)");
        }

        if (school.Length == 0)
        {
            return Error(StatusCodes.Status400BadRequest, "school is required: POST /api/v1/monitoring/checks?school=ID");
        }

        if (keySchool != "*" && keySchool != school)
        {
            return Error(StatusCodes.Status403Forbidden, $"this API key is for school '{keySchool}', not '{school}'");
        }

        var label = keys.List().FirstOrDefault(k => k.KeyId == keyId)?.Label;
        var by = label is { Length: > 0 } ? $"{label} (key {keyId})" : $"API key {keyId}";
        var started = false;
        var body = context.Response.Body;
        async Task WriteAsync(object line)
        {
            try
            {
                if (!started)
                {
                    started = true;
                    context.Response.StatusCode = StatusCodes.Status200OK;
                    context.Response.ContentType = "application/x-ndjson; charset=utf-8";
                }

                await JsonSerializer.SerializeAsync(body, line, Json, context.RequestAborted).ConfigureAwait(false);
                await body.WriteAsync("\n"u8.ToArray(), context.RequestAborted).ConfigureAwait(false);
                await body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException)
            {
                // The caller went away: the check carries on and is recorded all the same.
            }
        }

        CheckEntry entry;
        try
        {
            // Not the request's token: a check once started runs to its end and is recorded, whoever is still watching.
            entry = await runner.RunAsync(school, by, p => WriteAsync(new { type = "progress", category = p.Category, stage = p.Stage, detail = p.Detail }), lifetime.ApplicationStopping).ConfigureAwait(false);
        }
        catch (CheckNotPossibleException ex) when (!started)
        {
            return Error(StatusCodes.Status400BadRequest, ex.Message);
        }

        audit.Append(by, "api-key", AuditActions.MonitoringCheck, schoolId: school, detail: $"monitoring check {entry.Id}: {entry.Result}");
        await WriteAsync(ResultLine(entry)).ConfigureAwait(false);
        return Results.Empty;
    }

    internal static object ResultLine(CheckEntry entry) => new
    {
        type = "result",
        checkId = entry.Id,
        school = entry.SchoolId,
        result = entry.Result,
        seconds = Math.Round(entry.Took?.TotalSeconds ?? 0, 2),
        steps = entry.Steps.Select(s => new
        {
            category = s.Category,
            stored = s.Stored,
            storedAfterMs = (long?)s.StoredAfter?.TotalMilliseconds,
            notified = s.Notified,
            notifiedAfterMs = (long?)s.NotifiedAfter?.TotalMilliseconds,
            alertId = s.AlertId,
            detail = s.Detail,
        }),
    };

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    private static IResult Page(HttpContext context, SchoolDirectory schools, CheckLog log, TestPupils testPupils) =>
        Render(context, schools, log, testPupils, null, StatusCodes.Status200OK);

    private static IResult Render(HttpContext context, SchoolDirectory schools, CheckLog log, TestPupils testPupils, string? error, int status)
    {
        var user = ConsoleUser.From(context.User)!;
        var scope = Scope(user, schools);
        if (scope.Count == 0)
        {
            return Web.Layout.Page(context, "Log of checks", "<h1>Log of checks</h1><p class=\"error\">Not available to your role.</p>", StatusCodes.Status403Forbidden);
        }

        var names = scope.ToDictionary(s => s.SchoolId, s => s.Name, StringComparer.Ordinal);
        var entries = log.List([.. names.Keys]);
        var zone = Zone(context);
        var now = TimeZoneInfo.ConvertTime(context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(), zone);
        var runnable = scope.Where(s => testPupils.For(s.SchoolId) is not null).ToList();
        var schoolOptions = string.Concat(scope.Select(s => $"<option value=\"{E(s.SchoolId)}\">{E(s.Name)}</option>"));
        var rows = string.Concat(entries.Select(c => $"""
            <tr class="check-{E(c.Result)}">
              <td><time datetime="{IsoTime(c.At)}">{Time(c.At, Zone(context, c.SchoolId))}</time></td>
              <td>{E(names.GetValueOrDefault(c.SchoolId, c.SchoolId))}</td>
              <td>{E(c.By)}</td>
              <td>{E(c.Kind)}</td>
              <td>{E(c.Tested)}{(c.Kind == CheckKinds.Automatic ? $" <a href=\"/checks/{c.Id}\">per category</a>" : "")}</td>
              <td><strong>{E(c.Result)}</strong>{(c.Took is { } t ? $" <span class=\"muted\">({t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s)</span>" : "")}</td>
              <td>{E(c.Action)}</td>
            </tr>
            """));
        return Web.Layout.Page(context, "Log of checks", $"""
            <h1>Log of checks</h1>
            <p class="muted">The school's record of checks on its filtering and monitoring (DfE standards): when, who, what was tested, the result
            and the action taken. Lines are never edited or removed; record a correction as a new line. The annual review pack carries this log.</p>
            {(error is null ? "" : $"<p class=\"error\" role=\"alert\">{E(error)}</p>")}
            <div class="grid">
              <section class="card">
                <h2>Run the end-to-end check</h2>
                <p class="muted">One test event per monitoring category from the school's designated test pupil, through ingest, detection, the alert store
                and the outbox. Test alerts go to the school's test recipient only and are marked as tests; a failure raises a system alert.</p>
                {(runnable.Count == 0 ? "<p class=\"muted\">No school of yours has a test pupil configured (MonitoringChecks:Schools:&lt;id&gt;:TestPupil).</p>" : $"""
                <form method="post" action="/checks/run" class="stack" id="run-check">
                  {HiddenToken(context)}
                  <label>School <select name="school">{string.Concat(runnable.Select(s => $"<option value=\"{E(s.SchoolId)}\">{E(s.Name)}</option>"))}</select></label>
                  <button type="submit" class="primary">Run the check now</button>
                </form>
                """)}
              </section>
              <section class="card">
                <h2>Record a check</h2>
                <form method="post" action="/checks" class="stack" id="record-check">
                  {HiddenToken(context)}
                  <label>School <select name="school">{schoolOptions}</select></label>
                  <label>When <input type="datetime-local" name="when" required value="{E(now.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture))}"></label>
                  <label>What was tested <textarea name="tested" rows="2" required maxlength="{MaxText}"></textarea></label>
                  <label>Result <select name="result">{string.Concat(CheckResults.All.Select(r => $"<option>{r}</option>"))}</select></label>
                  <label>Action taken <textarea name="action" rows="2" required maxlength="{MaxText}"></textarea></label>
                  <button type="submit">Record</button>
                </form>
              </section>
            </div>
            <section class="card">
              <h2>The log</h2>
              {(entries.Count == 0 ? "<p class=\"muted\">No check recorded yet.</p>" : $"""
              <table id="checks"><caption>Checks, newest first</caption>
                <thead><tr><th scope="col">When</th><th scope="col">School</th><th scope="col">Who</th><th scope="col">Kind</th><th scope="col">What was tested</th><th scope="col">Result</th><th scope="col">Action taken</th></tr></thead>
                <tbody>{rows}</tbody>
              </table>
              """)}
            </section>
            """, status);
    }

    private static async Task<IResult> RecordAsync(HttpContext context, SchoolDirectory schools, CheckLog log, TestPupils testPupils, AuditLog audit, TimeProvider clock)
    {
        var user = ConsoleUser.From(context.User)!;
        var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
        var school = form["school"].FirstOrDefault() ?? "";
        var tested = (form["tested"].FirstOrDefault() ?? "").Trim();
        var result = form["result"].FirstOrDefault() ?? "";
        var action = (form["action"].FirstOrDefault() ?? "").Trim();
        var whenText = form["when"].FirstOrDefault() ?? "";
        if (Scope(user, schools).All(s => s.SchoolId != school))
        {
            return Render(context, schools, log, testPupils, $"the log of '{school}' is not available to your account", StatusCodes.Status403Forbidden);
        }

        var zone = Zone(context, school);
        string? error = null;
        DateTimeOffset at = default;
        if (!DateTime.TryParseExact(whenText, ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            error = $"when must be a date and time such as 2026-12-05T14:30 (was '{whenText}')";
        }
        else
        {
            at = new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
            if (at > clock.GetUtcNow().AddMinutes(5))
            {
                error = $"when is in the future (was '{whenText}'): record a check once it is done";
            }
        }

        if (error is null && (tested.Length == 0 || tested.Length > MaxText))
        {
            error = $"what was tested must be 1 to {MaxText} characters (was {tested.Length})";
        }

        if (error is null && !CheckResults.All.Contains(result))
        {
            error = $"result must be one of {string.Join(", ", CheckResults.All)} (was '{result}')";
        }

        if (error is null && (action.Length == 0 || action.Length > MaxText))
        {
            error = $"action taken must be 1 to {MaxText} characters (write 'none needed' if nothing was) (was {action.Length})";
        }

        if (error is not null)
        {
            return Render(context, schools, log, testPupils, error, StatusCodes.Status400BadRequest);
        }

        var id = log.Record(new CheckEntry(0, school, at, user.Name, CheckKinds.Manual, tested, result, action, null));
        audit.Append(user.Name, user.Role, AuditActions.CheckRecorded, schoolId: school, detail: $"check {id} recorded: {result}");
        return Results.Redirect("/checks", permanent: false);
    }

    private static async Task<IResult> RunFromConsoleAsync(HttpContext context, SchoolDirectory schools, CheckLog log, TestPupils testPupils,
        MonitoringCheckRunner runner, AuditLog audit, IHostApplicationLifetime lifetime)
    {
        var user = ConsoleUser.From(context.User)!;
        var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
        var school = form["school"].FirstOrDefault() ?? "";
        if (Scope(user, schools).All(s => s.SchoolId != school))
        {
            return Render(context, schools, log, testPupils, $"the log of '{school}' is not available to your account", StatusCodes.Status403Forbidden);
        }

        try
        {
            var entry = await runner.RunAsync(school, user.Name, null, lifetime.ApplicationStopping).ConfigureAwait(false);
            audit.Append(user.Name, user.Role, AuditActions.MonitoringCheck, schoolId: school, detail: $"monitoring check {entry.Id}: {entry.Result}");
            return Results.Redirect($"/checks/{entry.Id}", permanent: false);
        }
        catch (CheckNotPossibleException ex)
        {
            return Render(context, schools, log, testPupils, ex.Message, StatusCodes.Status400BadRequest);
        }
    }

    private static IResult Detail(long id, HttpContext context, SchoolDirectory schools, CheckLog log)
    {
        var user = ConsoleUser.From(context.User)!;
        if (log.Get(id) is not { } entry || Scope(user, schools).All(s => s.SchoolId != entry.SchoolId))
        {
            return Web.Layout.Page(context, "Check", "<h1>Check</h1><p class=\"error\">No such check in the logs you may read.</p>", StatusCodes.Status404NotFound);
        }

        var zone = Zone(context, entry.SchoolId);
        static string After(TimeSpan? t) => t is { } v ? v.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s" : "–";
        var rows = string.Concat(entry.Steps.Select(s => $"""
            <tr class="check-{(s.Passed ? "passed" : "failed")}">
              <th scope="row">{E(DisplayText.Category(s.Category))}</th>
              <td>{(s.Stored ? "yes" : "<strong>no</strong>")}</td><td>{After(s.StoredAfter)}</td>
              <td>{(s.Notified ? "yes" : "<strong>no</strong>")}</td><td>{After(s.NotifiedAfter)}</td>
              <td>{(s.AlertId is null ? "–" : user.SeesPupils ? $"<a href=\"/alerts/{Uri.EscapeDataString(s.AlertId)}\">{E(s.AlertId)}</a> (test)" : E(s.AlertId) + " (test)")}</td>
              <td>{E(s.Detail)}</td>
            </tr>
            """));
        return Web.Layout.Page(context, "Monitoring check", $"""
            <h1>Monitoring check {entry.Id}: {E(entry.Result)}</h1>
            <p>{E(schools.For(entry.SchoolId).Name)} · <time datetime="{IsoTime(entry.At)}">{Time(entry.At, zone)}</time> · started by {E(entry.By)} ·
            {(entry.Took is { } t ? t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s" : "")} · action: {E(entry.Action)}</p>
            <p class="muted">Each category's test event was sent by the designated test pupil; "after" is counted from when ingest accepted it. The alerts are tests:
            they are not in any queue, digest or report, and their notification went to the school's test recipient only.</p>
            <table id="check-steps"><caption>Per category</caption>
              <thead><tr><th scope="col">Category</th><th scope="col">Alert stored</th><th scope="col">After</th><th scope="col">Test notification delivered</th><th scope="col">After</th><th scope="col">Alert</th><th scope="col">Detail</th></tr></thead>
              <tbody>{rows}</tbody>
            </table>
            <p><a href="/checks">Back to the log of checks</a></p>
            """);
    }
}
