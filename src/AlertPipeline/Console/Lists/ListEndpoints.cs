using System.Text.Json;
using AlertPipeline.Audit;
using AlertPipeline.Devices;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Users;
using Microsoft.Extensions.Options;

namespace AlertPipeline.ConsoleUi.Lists;

internal sealed record EntryView(string Id, string Term, string Category, string Severity, string Match, string Sources, string? Requires, string? Notes, string? Origin);

internal sealed record EntryEdit(string? Id, string? Term, string? Severity, string? Notes, string? Reason, string? Version);

internal sealed record AllowAdd(string? Phrase, string? Notes, string? Reason, string? Version);

internal sealed record TextTest(string? Text, string? Source);

/// <summary>The IT API: keyword lists, their history, a text tester, per-term counts and silent devices. No pupil data.</summary>
internal static class ListEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapListApi(this IEndpointRouteBuilder app)
    {
        var it = app.MapGroup("/api/v1").AddEndpointFilter<AntiforgeryFilter>().RequireAuthorization(ConsolePolicies.Lists);
        it.MapGet("/keywords", (string? q, string? category, DetectorHolder holder, HttpContext c) =>
        {
            // At most 500 in one answer; the header says how many match in all, so nobody reads 500 as the total.
            var matches = Search(holder.Current, q, category);
            c.Response.Headers["X-Total-Count"] = matches.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Json(matches.Take(500), Json);
        });
        it.MapPost("/keywords/entries", (EntryEdit edit, HttpContext c, KeywordEditor editor, AuditLog audit) =>
            Changed(c, audit, $"edit {edit.Id}", editor.Edit(edit.Id ?? "", edit.Term, edit.Severity, edit.Notes, Actor(c), edit.Reason ?? "", edit.Version)));
        it.MapPost("/keywords/entries/disable", (EntryEdit edit, HttpContext c, KeywordEditor editor, AuditLog audit) =>
            Changed(c, audit, $"disable {edit.Id}", editor.Disable(edit.Id ?? "", Actor(c), edit.Reason ?? "", edit.Version)));
        it.MapPost("/keywords/allow", (AllowAdd add, HttpContext c, KeywordEditor editor, AuditLog audit) =>
            Changed(c, audit, $"allow '{add.Phrase}'", editor.AddAllow(add.Phrase ?? "", add.Notes, Actor(c), add.Reason ?? "", add.Version)));
        it.MapGet("/keywords/versions", (KeywordVersionStore versions, KeywordSnapshots snapshots) =>
            Results.Json(versions.History(200).Select(v => new { v.Version, v.At, v.Actor, v.Reason, v.Entries, hasSnapshot = snapshots.Has(v.Version) }), Json));
        it.MapGet("/keywords/versions/{version}/diff", (string version, KeywordVersionStore versions, KeywordSnapshots snapshots) =>
        {
            var diff = Diff(version, versions, snapshots);
            return diff is null
                ? Results.Json(new { error = $"no stored contents to compare for version {version} (versions from before the console are listed without a diff)" }, statusCode: 404)
                : Results.Json(diff, Json);
        });
        it.MapPost("/keywords/test", (TextTest test, DetectorHolder holder) => Test(holder.Current, test));
        it.MapGet("/keywords/term-counts", (TermCounts counts) => Results.Json(counts.All(), Json));
        it.MapGet("/devices/silent", (DeviceActivity devices, IOptions<ConsoleOptions> options, TimeProvider clock) =>
        {
            var after = options.Value.SilentDeviceAfter;
            var silent = devices.Silent(clock.GetUtcNow() - after);
            return Results.Json(new { silentAfter = after.ToString(), queueAvailable = devices.HasQueue, known = devices.Known(), devices = silent }, Json);
        });
        return app;
    }

    public static IReadOnlyList<EntryView> Search(Detector detector, string? q, string? category) =>
        [.. detector.Set.Entries
            .Where(e => (string.IsNullOrWhiteSpace(q) || e.Term.Contains(q.Trim(), StringComparison.OrdinalIgnoreCase)
                                                    || (e.Notes?.Contains(q.Trim(), StringComparison.OrdinalIgnoreCase) ?? false))
                        && (string.IsNullOrWhiteSpace(category) || e.Category == category))
            .Select(e => new EntryView(e.Id, e.Term, e.Category, e.Severity.ToName(), e.Kind.ToString().ToLowerInvariant(),
                e.Sources.ToName(), e.Requires, e.Notes, e.Origin))];

    /// <summary>The files changed by <paramref name="version"/>, against the version recorded before it.</summary>
    public static IReadOnlyList<FileDiff>? Diff(string version, KeywordVersionStore versions, KeywordSnapshots snapshots)
    {
        var history = versions.History(1_000);
        var index = history.ToList().FindIndex(v => v.Version == version);
        if (index < 0 || index + 1 >= history.Count)
        {
            return null;
        }

        var previous = history.Skip(index + 1).FirstOrDefault(v => v.Version != version && snapshots.Has(v.Version));
        return previous is null ? null : snapshots.Diff(previous.Version, version);
    }

    public static IResult Test(Detector detector, TextTest test)
    {
        if (string.IsNullOrEmpty(test.Text) || test.Text.Length > 10_000)
        {
            return Results.Json(new { error = "text must be 1 to 10000 characters" }, statusCode: 400);
        }

        var sourceName = test.Source ?? "typed";
        if (!SourceKindNames.TryParseSingle(sourceName, out var source))
        {
            return Results.Json(new { error = $"source must be one of {string.Join(", ", SourceKindNames.All)} (was '{sourceName}')" }, statusCode: 400);
        }

        var r = detector.Scan(test.Text, source);
        return Results.Json(new
        {
            r.Flagged,
            severity = r.Severity?.ToName(),
            r.Categories,
            normalized = r.NormalizedText,
            r.SeverityRule,
            r.Explanation,
            r.Snippet,
            matches = r.Matches.Select(m => new
            {
                m.Rule, m.Term, m.Category, severity = m.Severity.ToName(), m.Start, m.Length,
                matched = test.Text.Substring(m.Start, m.Length), m.NormalizedMatch, kind = m.Kind.ToString().ToLowerInvariant(), m.RequiredContext,
            }),
            combinations = r.Combinations.Select(c => new { c.Id, c.Category, c.Group, raiseTo = c.RaiseTo.ToName(), c.GroupTerm }),
            listVersion = detector.Version,
        }, Json);
    }

    private static IResult Changed(HttpContext context, AuditLog audit, string what, KeywordChange change)
    {
        var user = context.ConsoleUserOf();
        if (change.Error is not null)
        {
            return Results.Json(new { error = change.Error }, statusCode: change.Status);
        }

        audit.Append(user.Name, user.Role, AuditActions.KeywordChange, detail: $"{what} -> {change.Version}");
        return Results.Json(new { version = change.Version });
    }

    private static string Actor(HttpContext context) => context.ConsoleUserOf().Name;
}
