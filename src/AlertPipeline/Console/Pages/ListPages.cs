using System.Globalization;
using System.Text;
using AlertPipeline.Devices;
using AlertPipeline.ConsoleUi.Lists;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Users;
using Microsoft.Extensions.Options;
using static AlertPipeline.Web.Layout;

namespace AlertPipeline.ConsoleUi.Pages;

/// <summary>IT staff pages: keyword lists (search, edit, disable, allow), history with diffs, and silent devices.</summary>
internal static class ListPages
{
    public static IEndpointRouteBuilder MapListPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/lists", Lists).RequireAuthorization(ConsolePolicies.Lists);
        app.MapGet("/lists/history", History).RequireAuthorization(ConsolePolicies.Lists);
        app.MapGet("/devices", Devices).RequireAuthorization(ConsolePolicies.Lists);
        return app;
    }

    private static IResult Lists(HttpContext context, string? q, string? category, DetectorHolder holder, TermCounts counts)
    {
        var detector = holder.Current;
        var entries = ListEndpoints.Search(detector, q, category);
        var version = E(detector.Version);
        var severities = new[] { "low", "medium", "high", "urgent", "critical" };
        var rows = new StringBuilder();
        foreach (var e in entries.Take(200))
        {
            rows.Append(CultureInfo.InvariantCulture, $"""
                <tr data-entry="{E(e.Id)}">
                  <td><strong>{E(e.Term)}</strong><br><span class="muted">{E(e.Origin)}</span></td>
                  <td>{E(e.Category)}</td>
                  <td><span class="badge sev-{E(e.Severity)}">{E(e.Severity)}</span></td>
                  <td>{E(e.Match)}{(e.Requires is null ? "" : $"<br><span class=\"muted\">needs {E(e.Requires)}</span>")}</td>
                  <td>{E(e.Notes)}</td>
                  <td>
                    <details><summary>Edit</summary>
                      <form data-api="/api/v1/keywords/entries" data-reload class="stack">
                        <input type="hidden" name="id" value="{E(e.Id)}"><input type="hidden" name="version" value="{version}">
                        <label>Term <input name="term" value="{E(e.Term)}" required></label>
                        <label>Severity <select name="severity">{string.Concat(severities.Select(s => $"<option{(s == e.Severity ? " selected" : "")}>{s}</option>"))}</select></label>
                        <label>Notes <input name="notes" value="{E(e.Notes)}"></label>
                        <label>Why <input name="reason" required></label>
                        <button type="submit" class="primary">Save</button><span class="form-error"></span>
                      </form>
                    </details>
                    <details><summary>Disable</summary>
                      <form data-api="/api/v1/keywords/entries/disable" data-reload class="stack">
                        <input type="hidden" name="id" value="{E(e.Id)}"><input type="hidden" name="version" value="{version}">
                        <label>Why <input name="reason" required></label>
                        <button type="submit" class="danger">Disable</button><span class="form-error"></span>
                      </form>
                    </details>
                  </td>
                </tr>
                """);
        }

        var termRows = string.Concat(counts.All().Take(50).Select(t => string.Create(CultureInfo.InvariantCulture,
            $"<tr><td>{E(t.Rule)}{(t.Band is null ? "" : $" <span class=\"muted\">({E(t.Band)} band)</span>")}</td><td>{t.Alerts}</td><td>{t.Resolved}</td><td>{t.FalsePositives}</td><td>{(t.Precision is { } p ? $"{p:0.00}" : "—")}</td></tr>")));
        return Page(context, "Keyword lists", $"""
            <h1>Keyword lists</h1>
            <p class="muted">In force: <code>{version}</code>, {detector.Set.Entries.Count} entries, {detector.Set.Allow.Count} allow phrases. Changes go live within seconds and are recorded with your name and reason.</p>
            <div class="grid">
              <section class="card">
                <h2>Test a text</h2>
                <form data-api="/api/v1/keywords/test" data-render="scan" class="stack" id="test-text">
                  <label>Text <textarea name="text" rows="3" required></textarea></label>
                  <label>Where it was seen <select name="source">{string.Concat(SourceKindNames.All.Select(s => $"<option{(s == "typed" ? " selected" : "")}>{s}</option>"))}</select></label>
                  <button type="submit" class="primary">Test</button><span class="form-error"></span>
                  <output></output>
                </form>
              </section>
              <section class="card">
                <h2>Add an allow phrase</h2>
                <p class="muted">A match wholly inside an allow phrase is not an alert (“kill the process”).</p>
                <form data-api="/api/v1/keywords/allow" data-reload class="stack">
                  <input type="hidden" name="version" value="{version}">
                  <label>Phrase <input name="phrase" required></label>
                  <label>Notes <input name="notes"></label>
                  <label>Why <input name="reason" required></label>
                  <button type="submit">Add</button><span class="form-error"></span>
                </form>
              </section>
            </div>
            <section class="card">
              <h2>Search the lists</h2>
              <form method="get" action="/lists" class="inline">
                <label>Term or note <input name="q" value="{E(q)}" id="search"></label>
                <label>Category <select name="category"><option value="">Any</option>{string.Concat(KeywordSetParser.KnownCategories.Order(StringComparer.Ordinal).Select(c => $"<option{(c == category ? " selected" : "")}>{E(c)}</option>"))}</select></label>
                <button type="submit">Search</button>
              </form>
              <p class="muted" id="entry-count">{entries.Count.ToString("N0", CultureInfo.InvariantCulture)} {(entries.Count == 1 ? "entry matches" : "entries match")}{(entries.Count > 200 ? ", the first 200 shown: narrow the search to see others" : "")}.</p>
              <table id="entries"><thead><tr><th>Term</th><th>Category</th><th>Severity</th><th>Match</th><th>Notes</th><th></th></tr></thead><tbody>{rows}</tbody></table>
            </section>
            <section class="card">
              <h2>False positives per rule and model band</h2>
              <p class="muted">Most false positives first. Counts only; no pupil or school is shown. Precision is the share of resolved alerts that were not false positives. A rule with many false positives suggests a term to narrow or an allow phrase to add; a model band, a higher threshold (<code>Model:Bands</code>; try it first with <code>alertpipeline replay --model-bands</code>).</p>
              <table id="term-counts"><thead><tr><th>Rule or model band</th><th>Alerts</th><th>Resolved</th><th>False positives</th><th>Precision</th></tr></thead><tbody>{termRows}</tbody></table>
            </section>
            """);
    }

    private static IResult History(HttpContext context, KeywordVersionStore versions, KeywordSnapshots snapshots)
    {
        var history = versions.History(100);
        var items = new StringBuilder();
        foreach (var v in history)
        {
            var diff = ListEndpoints.Diff(v.Version, versions, snapshots);
            items.Append(CultureInfo.InvariantCulture, $"""
                <li>
                  <time datetime="{IsoTime(v.At)}">{Time(v.At, Zone(context))}</time> — <strong>{E(v.Actor)}</strong>: {E(v.Reason)}
                  <span class="muted"><code>{E(v.Version)}</code>, {v.Entries} entries</span>
                  {(diff is null ? "" : $"<details open><summary>What changed</summary>{string.Concat(diff.Select(Diff))}</details>")}
                </li>
                """);
        }

        return Page(context, "List history", $"""
            <h1>Keyword list history</h1>
            <p class="muted">Every version that went live: who, when and why. Versions changed here show the lines that changed.</p>
            <section class="card"><ol class="timeline" id="versions">{items}</ol></section>
            """);
    }

    private static string Diff(FileDiff file) =>
        $"<p><code>{E(file.File)}</code></p><pre class=\"diff\">" + string.Concat(file.Lines.Select(l => l.Kind switch
        {
            '+' => $"<span class=\"add\">+ {E(l.Text)}</span>",
            '-' => $"<span class=\"del\">- {E(l.Text)}</span>",
            ' ' => $"<span>  {E(l.Text)}</span>\n",
            _ => $"<span class=\"fold\">… {E(l.Text)}</span>",
        })) + "</pre>";

    private static IResult Devices(HttpContext context, DeviceActivity devices, IOptions<ConsoleOptions> options, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var silent = devices.Silent(now - options.Value.SilentDeviceAfter);
        var rows = string.Concat(silent.Select(d => string.Create(CultureInfo.InvariantCulture,
            $"<tr><td>{E(d.DeviceId)}</td><td>{E(d.SchoolId)}</td><td><time datetime=\"{IsoTime(d.LastSeen)}\">{Time(d.LastSeen, Zone(context, d.SchoolId))}</time></td><td>{(now - d.LastSeen).TotalHours:0.0} h</td></tr>")));
        return Page(context, "Devices", $"""
            <h1>Silent devices</h1>
            <p class="muted">Devices that sent events before but none in the last {E(options.Value.SilentDeviceAfter.ToString())} (Console:SilentDeviceAfter): the agent may be broken, removed or blocked. {devices.Known()} devices known.
            {(devices.HasQueue ? "" : "This host has no embedded queue (queue.db), so device activity is not available here.")}</p>
            <section class="card">
              {(silent.Count == 0 ? "<p id=\"no-silent\">No silent devices.</p>" : $"<table id=\"silent\"><thead><tr><th>Device</th><th>School</th><th>Last event</th><th>Silent for</th></tr></thead><tbody>{rows}</tbody></table>")}
            </section>
            """);
    }
}
