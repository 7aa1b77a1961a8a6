using AlertPipeline.Triage;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using AlertPipeline.Alerts;
using AlertPipeline.Audit;
using AlertPipeline.Ingest.Screenshots;
using AlertPipeline.Users;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AlertPipeline.ConsoleUi;

/// <summary>A queue row: the alert's summary and who the pupil is (null name: not on the roster).</summary>
internal sealed record QueueRow(
    string AlertId, string SchoolId, string UserLogin, string? PupilName, string? YearGroup, DateTimeOffset OccurredAt, string Source,
    IReadOnlyList<string> Categories, string Severity, int SeverityLevel, string Status, string Snippet, DateTimeOffset UpdatedAt, bool ModelOnly)
{
    public static QueueRow From(AlertSummary a, Pupil? pupil) =>
        new(a.AlertId, a.SchoolId, a.UserLogin, pupil?.DisplayName, pupil?.YearGroup, a.OccurredAt, a.Source, a.Categories, a.Severity,
            a.SeverityLevel, a.Status, a.Snippet, a.UpdatedAt, a.ModelOnly);
}

/// <summary>
/// The DSL API behind the console pages: the queue, an alert's detail and screenshot, triage, export, and the
/// live feed. Only <c>dsl</c> and <c>trust-dsl</c> reach it, and a <c>dsl</c> only for their own schools: an
/// alert of another school answers 404, exactly as one that does not exist.
/// </summary>
internal static class AlertEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapAlertApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").AddEndpointFilter<AntiforgeryFilter>();
        var dsl = api.MapGroup("").RequireAuthorization(ConsolePolicies.PupilData);
        dsl.MapGet("/alerts", List);
        dsl.MapGet("/alerts/{id}", Detail);
        dsl.MapGet("/alerts/{id}/screenshot", Screenshot);
        dsl.MapGet("/alerts/{id}/export", Export);
        dsl.MapPost("/alerts/{id}/acknowledge", (string id, HttpContext c) => TriageAsync(c, id, "acknowledge", (t, actor, _) => t.Acknowledge(id, actor)));
        dsl.MapPost("/alerts/{id}/assign", (string id, HttpContext c) => TriageAsync(c, id, "assign", (t, actor, body) => Assign(c, t, id, actor, body)));
        dsl.MapPost("/alerts/{id}/notes", (string id, HttpContext c) => TriageAsync(c, id, "note", (t, actor, body) => t.AddNote(id, actor, Field(body, "note") ?? "")));
        dsl.MapPost("/alerts/{id}/escalate", (string id, HttpContext c) => TriageAsync(c, id, "escalate", (t, actor, body) => t.Escalate(id, actor, Field(body, "reason") ?? "")));
        dsl.MapPost("/alerts/{id}/resolve", (string id, HttpContext c) => TriageAsync(c, id, "resolve",
            (t, actor, body) => t.Resolve(id, actor, Field(body, "outcome") ?? "", Field(body, "reference"), Field(body, "note"))));
        dsl.MapGet("/events/stream", Stream);

        api.MapGet("/session", (HttpContext c, IAntiforgery antiforgery) =>
        {
            var user = ConsoleUser.From(c.User)!;
            return Results.Json(new { user.Name, user.Role, user.Schools, csrfToken = antiforgery.GetAndStoreTokens(c).RequestToken });
        }).RequireAuthorization(ConsolePolicies.SignedIn);
        api.MapGet("/audit", (string? alertId, HttpContext c, AuditLog audit) =>
            {
                // The administrator audits accounts, not pupils: triage rows show only their verb, also rows written
                // before triage details stopped being copied into the log.
                var entries = audit.Read(alertId);
                return Results.Json(c.ConsoleUserOf().SeesPupils ? entries : entries.Select(e => e.Action == AuditActions.Triage ? e with { Detail = Verb(e.Detail) } : e));
            })
            .RequireAuthorization(ConsolePolicies.AuditReader);
        return app;
    }

    /// <summary>
    /// One page of the queue, each alert with the pupil's name and year group from the roster. The total matching is
    /// in <c>X-Total-Count</c> (the body stays a plain array for existing callers).
    /// </summary>
    private static IResult List(HttpContext context, AlertQueries queries, Roster roster)
    {
        var (filter, error) = AlertFilter.Parse(context.Request.Query);
        if (filter is null)
        {
            return Results.Json(new { error }, statusCode: StatusCodes.Status400BadRequest);
        }

        var (alerts, total) = queries.Page(filter, context.ConsoleUserOf().SchoolScope);
        context.Response.Headers["X-Total-Count"] = total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Json(alerts.Select(a => QueueRow.From(a, roster.Find(a.UserLogin))), Json);
    }

    private static IResult Detail(string id, HttpContext context, AlertQueries queries, AlertDetailBuilder builder, AuditLog audit)
    {
        var user = context.ConsoleUserOf();
        var alert = Visible(queries, user, id);
        if (alert is null)
        {
            return NotFound();
        }

        audit.Append(user.Name, user.Role, AuditActions.ViewAlert, alert.AlertId, alert.SchoolId);
        return Results.Json(builder.Build(alert), Json);
    }

    private static IResult Screenshot(string id, HttpContext context, IAlertStore alerts, ScreenshotStore screenshots, AuditLog audit)
    {
        var user = context.ConsoleUserOf();
        // Through the alert store every role shares (on PostgreSQL the alert was written by detect on another machine).
        var alert = alerts.Get(id) is { } found && user.CanSee(found.SchoolId) ? found : null;
        // Only a copy the alert's own school (or a trust-wide key) uploaded: a reference to another school's image finds nothing.
        var shot = alert?.ScreenshotRef is { } reference ? screenshots.Read(reference, alert.SchoolId) : null;
        if (alert is null || shot is null)
        {
            return NotFound(alert is null ? "no such alert" : "this alert has no stored screenshot");
        }

        audit.Append(user.Name, user.Role, AuditActions.ViewScreenshot, alert.AlertId, alert.SchoolId);
        // A pupil's screen must not linger in a browser or proxy cache on a shared staff-room PC.
        context.Response.Headers.CacheControl = "no-store, private";
        context.Response.Headers.Pragma = "no-cache";
        return Results.File(shot.Bytes, shot.ContentType);
    }

    private static IResult Export(string id, string? format, HttpContext context, AlertQueries queries, AlertDetailBuilder builder, AuditLog audit)
    {
        var user = context.ConsoleUserOf();
        format ??= "json";
        if (format is not ("json" or "csv"))
        {
            return Results.Json(new { error = $"format must be json or csv (was '{format}')" }, statusCode: StatusCodes.Status400BadRequest);
        }

        var alert = Visible(queries, user, id);
        if (alert is null)
        {
            return NotFound();
        }

        audit.Append(user.Name, user.Role, AuditActions.ExportAlert, alert.AlertId, alert.SchoolId, format);
        var detail = builder.Build(alert);
        var name = $"alert-{alert.AlertId}.{format}";
        return format == "json"
            ? Results.File(Encoding.UTF8.GetBytes(AlertExport.ToJson(detail)), "application/json", name)
            : Results.File(AlertExport.ToCsvFile(detail), "text/csv; charset=utf-8", name);
    }

    private static async Task<IResult> TriageAsync(HttpContext context, string id, string verb, Func<IAlertTriage, string, JsonElement, TriageResult> act)
    {
        var services = context.RequestServices;
        var user = context.ConsoleUserOf();
        var alert = Visible(services.GetRequiredService<AlertQueries>(), user, id);
        if (alert is null)
        {
            return NotFound();
        }

        JsonElement body;
        try
        {
            body = context.Request.ContentLength is 0 or null && !context.Request.HasJsonContentType()
                ? default
                : await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body, Json, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return Results.Json(new { error = "the body must be a JSON object" }, statusCode: StatusCodes.Status400BadRequest);
        }

        var result = act(services.GetRequiredService<IAlertTriage>(), user.Name, body);
        if (result.Kind == TriageResultKind.Done)
        {
            services.GetRequiredService<AuditLog>().Append(user.Name, user.Role, AuditActions.Triage, alert.AlertId, alert.SchoolId,
                AuditDetail(verb, body, result.HistoryId));
        }

        return result.Kind switch
        {
            TriageResultKind.Done => Results.Json(new { status = services.GetRequiredService<AlertQueries>().Get(id)!.Status }),
            TriageResultKind.NotFound => NotFound(),
            TriageResultKind.Invalid => Results.Json(new { error = result.Error }, statusCode: StatusCodes.Status400BadRequest),
            _ => Results.Json(new { error = result.Error }, statusCode: StatusCodes.Status409Conflict),
        };
    }

    /// <summary>
    /// What the audit row says about a triage step: the verb, the closed-vocabulary fields (outcome, assignee) and
    /// the <c>alert_history</c> row holding the rest. Free text a DSL wrote (notes, reasons, the CPOMS reference)
    /// stays only in that row: the audit log is append-only and read by administrators, the history is DSL-only
    /// and minimised by retention, so a copy here would outlive retention and leak to the wrong role.
    /// </summary>
    internal static string AuditDetail(string verb, JsonElement body, long? historyId)
    {
        var detail = new StringBuilder(verb);
        foreach (var field in new[] { "outcome", "assignee" })
        {
            if (Field(body, field) is { } value && (field != "outcome" || TriageOutcomes.All.Contains(value, StringComparer.Ordinal)))
            {
                detail.Append(' ').Append(field).Append('=').Append(value);
            }
        }

        if (historyId is { } id)
        {
            detail.Append(" (alert history #").Append(id.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(')');
        }

        return detail.ToString();
    }

    private static string? Verb(string? detail) => detail is null ? null : detail.Split(' ', 2)[0];

    /// <summary>An alert may be assigned only to an active DSL who can see its school.</summary>
    private static TriageResult Assign(HttpContext context, IAlertTriage triage, string id, string actor, JsonElement body)
    {
        var name = Field(body, "assignee");
        if (string.IsNullOrWhiteSpace(name))
        {
            return TriageResult.Invalid("assignee is required (a DSL's account name)");
        }

        var alert = context.RequestServices.GetRequiredService<AlertQueries>().Get(id)!;
        var assignee = context.RequestServices.GetRequiredService<UserStore>().Find(name);
        var asUser = assignee is null ? null : new ConsoleUser(assignee.UserId, assignee.Name, assignee.Role, assignee.Schools);
        if (assignee is null || assignee.Disabled || asUser is null || !asUser.CanSee(alert.SchoolId))
        {
            return TriageResult.Invalid($"'{name}' is not an active DSL who can see school {alert.SchoolId}");
        }

        return triage.Assign(id, actor, assignee.Name);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ServerSentEventsResult<string> Stream(HttpContext context, AlertFeed feed, UserStore users, TimeProvider clock, IOptions<UserOptions> options, CancellationToken cancellationToken)
    {
        // The cookie's expiry as read for this request: the stream is background traffic and never extends it
        // (SignInEndpoints.CheckSlidingExpirationAsync), so once it passes the session is over and so is the stream.
        var expires = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Properties?.ExpiresUtc;
        var session = new StreamSession(context.ConsoleUserOf(), users, clock, expires);
        return TypedResults.ServerSentEvents(Events(session, feed, options.Value.StreamRecheckInterval, cancellationToken));
    }

    /// <summary>The signed-in user behind an open stream, re-read from the account store while the stream lasts.</summary>
    private sealed class StreamSession(ConsoleUser user, UserStore users, TimeProvider clock, DateTimeOffset? expires)
    {
        public ConsoleUser User => user;

        public bool StillValid() =>
            (expires is null || clock.GetUtcNow() < expires.Value) && user.StillMatches(users.FindById(user.UserId));

        public async Task WatchAsync(TimeSpan interval, CancellationTokenSource end)
        {
            using var timer = new PeriodicTimer(interval, clock);
            try
            {
                while (await timer.WaitForNextTickAsync(end.Token).ConfigureAwait(false))
                {
                    if (!StillValid())
                    {
                        await end.CancelAsync().ConfigureAwait(false);
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The stream ended first (the page closed).
            }
        }
    }

    private static async IAsyncEnumerable<SseItem<string>> Events(StreamSession session, AlertFeed feed, TimeSpan recheck,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Sent at once so the page knows the stream is live and reloads the queue, closing the gap between its
        // first load and this subscription.
        yield return new SseItem<string>("{}", "ready");
        using var end = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = session.WatchAsync(recheck, end);
        var sessionEnded = false;
        var alerts = feed.SubscribeAsync(end.Token).GetAsyncEnumerator(end.Token);
        await using (alerts.ConfigureAwait(false))
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await alerts.MoveNextAsync().ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    more = false; // The watch found the session over.
                }

                // Checked before every alert too, so not one more pupil's alert reaches a session that has ended.
                if (!more || !session.StillValid())
                {
                    sessionEnded = !cancellationToken.IsCancellationRequested && (end.IsCancellationRequested || more);
                    break;
                }

                if (session.User.CanSee(alerts.Current.SchoolId))
                {
                    yield return new SseItem<string>(JsonSerializer.Serialize(alerts.Current, Json), "alert");
                }
            }
        }

        await end.CancelAsync().ConfigureAwait(false);
        await watch.ConfigureAwait(false);
        if (sessionEnded)
        {
            // Tells the page to show "signed out" rather than reconnect and show stale rows as live.
            yield return new SseItem<string>("{}", "session-ended");
        }
    }

    /// <summary>The alert if it exists and the user may see its school; otherwise null (answered as 404).</summary>
    internal static Alert? Visible(AlertQueries queries, ConsoleUser user, string id)
    {
        var alert = queries.Get(id);
        return alert is not null && user.CanSee(alert.SchoolId) ? alert : null;
    }

    private static string? Field(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static IResult NotFound(string error = "no such alert") => Results.Json(new { error }, statusCode: StatusCodes.Status404NotFound);
}
