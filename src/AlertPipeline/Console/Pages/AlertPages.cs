using AlertPipeline.Web;
using System.Globalization;
using System.Text;
using AlertPipeline.Audit;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Schools;
using AlertPipeline.Users;
using Microsoft.Extensions.Options;
using static AlertPipeline.Web.Layout;

namespace AlertPipeline.ConsoleUi.Pages;

/// <summary>The DSL's pages: the live queue and an alert's detail with its triage actions.</summary>
internal static class AlertPages
{
    public static IEndpointRouteBuilder MapAlertPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/alerts", Queue).RequireAuthorization(ConsolePolicies.PupilData);
        app.MapGet("/alerts/{id}", Detail).RequireAuthorization(ConsolePolicies.PupilData);
        return app;
    }

    private static IResult Queue(HttpContext context, IOptions<TrustOptions> trust)
    {
        var user = context.ConsoleUserOf();
        var q = context.Request.Query;
        string V(string name) => E(q[name].FirstOrDefault());
        var schools = user.SchoolScope ?? [.. trust.Value.Schools.Keys.Order(StringComparer.Ordinal)];
        string Options(IEnumerable<string> values, string selected, string any) =>
            $"<option value=\"\">{E(any)}</option>" + string.Concat(values.Select(v =>
                $"<option value=\"{E(v)}\"{(v == selected ? " selected" : "")}>{E(v.Replace('-', ' '))}</option>"));
        var status = q["status"].FirstOrDefault() ?? AlertFilter.Open;
        return Page(context, "Alerts", $"""
            <div class="toolbar"><h1>Alerts</h1><span id="live" class="live" role="status">Connecting…</span><span id="count" class="muted"></span>
              <button type="button" id="pause" aria-pressed="false">Pause live updates</button>
              <label class="check"><input type="checkbox" id="notify"> Sound and desktop notification for urgent and critical alerts</label>
            </div>
            <p id="announce" class="visually-hidden" aria-live="polite" aria-atomic="true"></p>
            <p id="flash" class="flash" role="status"></p>
            <form id="filters" class="filters card" method="get" action="/alerts">
              <label>School <select name="school">{Options(schools, q["school"].FirstOrDefault() ?? "", "All my schools")}</select></label>
              <label>Severity at least <select name="severity">{Options(["critical", "urgent", "high", "medium", "low"], q["severity"].FirstOrDefault() ?? "", "Any")}</select></label>
              <label>Category <select name="category">{Options(KeywordSetParser.KnownCategories.Order(StringComparer.Ordinal), q["category"].FirstOrDefault() ?? "", "Any")}</select></label>
              <label>Status <select name="status">{string.Concat(AlertFilter.Statuses.Select(s => $"<option value=\"{s}\"{(s == status ? " selected" : "")}>{s}</option>"))}</select></label>
              <label>Pupil login <input name="pupil" value="{V("pupil")}" placeholder="e.g. oak.y9"></label>
              <label>From <input type="date" name="from" value="{V("from")}"></label>
              <label>To <input type="date" name="to" value="{V("to")}"></label>
              <button type="submit">Apply</button>
            </form>
            <table id="queue" class="queue">
              <caption class="visually-hidden">Alerts, most severe first. Times are {E(Layout.ZoneName(Layout.Zone(context), DateTimeOffset.UtcNow))} ({E(Layout.Zone(context).Id)}).</caption>
              <thead><tr><th scope="col">Severity</th><th scope="col">Concern</th><th scope="col">Pupil</th><th scope="col">School</th><th scope="col">When</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
              <tbody></tbody>
            </table>
            <p id="empty" class="muted" hidden>No alerts match these filters.</p>
            <nav class="pager" aria-label="Pages of alerts"><button type="button" id="prev">Previous page</button> <span id="page-info"></span> <button type="button" id="next">Next page</button></nav>
            """);
    }

    private static IResult Detail(string id, HttpContext context, AlertQueries queries, AlertDetailBuilder builder, AuditLog audit,
        Ingest.Screenshots.ScreenshotStore screenshots, Activity.PupilActivity activity)
    {
        var user = context.ConsoleUserOf();
        var alert = AlertEndpoints.Visible(queries, user, id);
        if (alert is null)
        {
            return Page(context, "Not found", "<section class=\"card narrow\"><h1>No such alert</h1><p>It does not exist, or it belongs to a school you do not look after.</p><p><a href=\"/alerts\">Back to the queue</a></p></section>", StatusCodes.Status404NotFound);
        }

        audit.Append(user.Name, user.Role, AuditActions.ViewAlert, alert.AlertId, alert.SchoolId);
        var d = builder.Build(alert);
        var api = $"/api/v1/alerts/{Uri.EscapeDataString(d.AlertId)}";
        var resolved = d.Status == Alerts.AlertStatus.Resolved;
        var zone = Layout.Zone(context, d.SchoolId);
        string Time(DateTimeOffset at) => Layout.Time(at, zone);
        var screenshotStored = alert.ScreenshotRef is { } shotRef && screenshots.Exists(shotRef, alert.SchoolId);
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"""
            <p><a href="/alerts">← Queue</a></p>
            {(d.IsTest ? "<p class=\"error\" role=\"note\" id=\"test-alert\"><strong>TEST:</strong> a monitoring check's synthetic alert for the designated test pupil, not a real concern. It is in no queue, digest or report; see the <a href=\"/checks\">log of checks</a>.</p>" : "")}
            <div class="toolbar">
              <h1><span class="badge sev-{E(d.Severity)}">{E(d.Severity)}</span> {E(string.Join(", ", d.Categories).Replace('-', ' '))}</h1>
              <span class="status {E(d.Status)}" id="status">{E(d.Status)}</span>
              {(d.Status == "new" ? $"<form data-api=\"{api}/acknowledge\" data-done=\"acknowledged\" class=\"inline\"><button type=\"submit\" class=\"primary\" id=\"acknowledge\">Acknowledge</button><span class=\"form-error\" role=\"alert\"></span></form>" : "")}
              {(resolved ? "" : "<a href=\"#resolve\">Resolve…</a>")}
            </div>
            <p id="flash" class="flash" role="status" tabindex="-1"></p>
            <div class="grid">
              <section class="card">
                <h2>Pupil</h2>
                <dl class="facts">
                  <dt>Name</dt><dd id="pupil-name">{(d.Pupil.DisplayName is null ? "<span class=\"muted\">not on the roster</span>" : E(d.Pupil.DisplayName))}</dd>
                  <dt>Login</dt><dd>{E(d.Pupil.Login)}</dd>
                  <dt>Year group</dt><dd>{E(string.IsNullOrEmpty(d.Pupil.YearGroup) ? "—" : d.Pupil.YearGroup)}</dd>
                  <dt>Form</dt><dd>{E(d.Pupil.Form ?? "—")}</dd>
                  <dt>SEND</dt><dd>{E(d.Pupil.Send ?? (d.Pupil.OnRoster ? "none recorded" : "—"))}</dd>
                  <dt>Looked after</dt><dd>{(d.Pupil.OnRoster ? (d.Pupil.LookedAfter ? "yes" : "no") : "—")}</dd>
                  <dt>EAL</dt><dd>{(d.Pupil.OnRoster ? (d.Pupil.Eal ? "yes" : "no") : "—")}</dd>
                  <dt>School</dt><dd>{E(d.SchoolName)}</dd>
                  <dt>Device</dt><dd>{E(d.DeviceId)}</dd>
                  <dt>When</dt><dd><time datetime="{IsoTime(d.OccurredAt)}">{Time(d.OccurredAt)}</time></dd>
                  <dt>Source</dt><dd>{E(d.Source)}</dd>
                  <dt>App</dt><dd>{E(d.App ?? "—")}</dd>
                  <dt>URL</dt><dd>{E(d.Url ?? "—")}</dd>
                </dl>
              </section>
              <section class="card">
                <h2>What was seen</h2>
                <p class="pupil-text" id="pupil-text">{Highlight(d)}</p>
                <p><strong>Normalised:</strong> <code id="normalised">{E(d.NormalizedText)}</code></p>
                <p><strong>Why it matched:</strong> <span id="why">{E(d.Why)}</span></p>
              </section>
            </div>
            """);
        var around = activity.Around(alert.SchoolId, alert.UserLogin, alert.EventId, alert.OccurredAt);
        audit.Append(user.Name, user.Role, AuditActions.ViewActivity, alert.AlertId, alert.SchoolId, $"{around.Items.Count} event(s) around the alert");
        body.Append(ActivitySection(around, zone));
        body.Append("<section class=\"card screenshot\"><h2>Screenshot</h2>");
        if (!d.HasScreenshot)
        {
            body.Append("<p class=\"muted\">No screenshot was sent with this event.</p>");
        }
        else if (!screenshotStored)
        {
            body.Append("<p class=\"unavailable\" id=\"shot-unavailable\">Screenshot unavailable: the device said it sent one, but it is not stored for this school (it never arrived, or it was removed under the retention policy).</p>");
        }
        else if (d.Graphic)
        {
            body.Append(CultureInfo.InvariantCulture, $"""
                <p class="graphic-note">This alert is in a category whose screenshots can be distressing, so it is hidden until you choose to see it.</p>
                <p><button type="button" data-reveal="#shot">Show screenshot</button></p>
                <img id="shot" hidden alt="Screenshot of the pupil's screen" data-src="{api}/screenshot">
                """);
        }
        else
        {
            body.Append(CultureInfo.InvariantCulture, $"<img id=\"shot\" alt=\"Screenshot of the pupil's screen\" src=\"{api}/screenshot\">");
        }

        body.Append("</section>");
        body.Append(CultureInfo.InvariantCulture, $"""
            <div class="grid">
            <section class="card actions">
              <h2>Actions</h2>
              {(resolved ? "<p class=\"muted\">Resolved. You can still add a note.</p>" : $"""
              <form data-api="{api}/assign" data-reload data-done="Assigned." class="inline"><label>Assign to (account name) <input name="assignee" required></label><button type="submit">Assign</button><span class="form-error" role="alert"></span></form>
              <form data-api="{api}/escalate" data-reload data-done="Escalated." class="inline"><label>Escalate because <input name="reason" required></label><button type="submit" class="danger">Escalate</button><span class="form-error" role="alert"></span></form>
              <form data-api="{api}/resolve" data-reload data-done="Resolved." class="stack" id="resolve">
                <label>Outcome <select name="outcome" required>
                  <option value="">Choose…</option>
                  <option value="concern-confirmed">Concern confirmed</option>
                  <option value="no-further-action">No further action</option>
                  <option value="false-positive">False positive</option>
                  <option value="referred">Referred</option>
                </select></label>
                <label>External case reference (CPOMS / MyConcern id) <input name="reference"></label>
                <label>Note <input name="note"></label>
                <button type="submit" class="primary">Resolve</button><span class="form-error" role="alert"></span>
              </form>
              """)}
              <form data-api="{api}/notes" data-reload data-done="Note added." class="stack"><label>Note <textarea name="note" rows="2" required></textarea></label><button type="submit">Add note</button><span class="form-error" role="alert"></span></form>
              <p>Export for your safeguarding system: <a href="{api}/export?format=json">JSON</a> · <a href="{api}/export?format=csv">CSV</a></p>
            </section>
            <section class="card">
              <h2>History</h2>
              <ol class="timeline" id="history">{string.Concat(d.History.Select(h => $"<li><time datetime=\"{IsoTime(h.At)}\">{Time(h.At)}</time> — <strong>{E(h.Action)}</strong> by {E(h.Actor)}{(h.Detail is null ? "" : $"<span class=\"detail\">{E(AlertExport.DetailText(h.Detail))}</span>")}</li>"))}</ol>
              <h2>This pupil's earlier alerts</h2>
              {(d.Timeline.Count == 0 ? "<p class=\"muted\">None.</p>" : $"<ol class=\"timeline\" id=\"timeline\">{string.Concat(d.Timeline.Select(t => $"<li><time datetime=\"{IsoTime(t.OccurredAt)}\">{Time(t.OccurredAt)}</time> <span class=\"badge sev-{E(t.Severity)}\">{E(t.Severity)}</span> <a href=\"/alerts/{Uri.EscapeDataString(t.AlertId)}\">{E(string.Join(", ", t.Categories))}</a> <span class=\"status {E(t.Status)}\">{E(t.Status)}</span></li>"))}</ol>")}
            </section>
            </div>
            """);
        return Page(context, $"{d.Severity} alert", body.ToString());
    }

    /// <summary>The pupil's own events around the alert, oldest first, the alert's own event marked.</summary>
    internal static string ActivitySection(Activity.ActivityWindow around, TimeZoneInfo zone)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <section class="card activity" aria-labelledby="activity-title">
              <h2 id="activity-title">What the pupil did around this time</h2>
              <p class="muted">Their events from {Layout.Time(around.From, zone)} to {Layout.Time(around.To, zone)}{(around.Truncated ? $", the {Activity.PupilActivity.MaxItems} nearest the alert shown" : "")}.</p>
            """);
        if (around.Unavailable is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\" id=\"activity-none\">{E(around.Unavailable)}</p>");
        }
        else
        {
            html.Append("<ol class=\"timeline\" id=\"activity\">");
            foreach (var item in around.Items)
            {
                html.Append(CultureInfo.InvariantCulture, $"""
                    <li{(item.IsAlertEvent ? " class=\"this-alert\" aria-current=\"true\"" : "")}><time datetime="{IsoTime(item.OccurredAt)}">{Layout.Time(item.OccurredAt, zone)}</time> <span class="source">{E(item.Source)}</span>{(item.IsAlertEvent ? " <strong>(this alert)</strong>" : "")}
                    <span class="detail">{E(item.Text)}</span>{(item.Url is null ? "" : $"<span class=\"detail muted\">{E(item.Url)}</span>")}</li>
                    """);
            }

            html.Append("</ol>");
        }

        return html.Append("</section>").ToString();
    }

    /// <summary>The pupil's text with each matched span in a &lt;mark&gt;; overlapping spans merge.</summary>
    internal static string Highlight(AlertDetail d)
    {
        var html = new StringBuilder();
        var cursor = 0;
        foreach (var span in d.Highlights)
        {
            var start = Math.Max(span.Start, cursor);
            var end = span.Start + span.Length;
            if (end <= cursor)
            {
                continue;
            }

            html.Append(E(d.Text[cursor..start]));
            html.Append(CultureInfo.InvariantCulture, $"<mark title=\"{E($"{span.Rule} · {span.Category} · {span.Severity}")}\">{E(d.Text[start..end])}</mark>");
            cursor = end;
        }

        html.Append(E(d.Text[cursor..]));
        return html.ToString();
    }
}
