using System.Globalization;
using System.Text.Json;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Reports.GovernorSummary;
using AlertPipeline.Reports.Suppression;
using AlertPipeline.Retention;
using AlertPipeline.Schools;
using AlertPipeline.Storage;
using AlertPipeline.Triage;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Reports.AnnualReview;

/// <summary>The school's own risk profile, carried by the pack (section <c>AnnualReview:Schools:&lt;id&gt;</c>).</summary>
internal sealed class RiskProfileOptions
{
    public string AgeRange { get; set; } = string.Empty;

    public string Send { get; set; } = string.Empty;

    public string Eal { get; set; } = string.Empty;

    public string LocalRisks { get; set; } = string.Empty;
}

internal sealed class AnnualReviewSchoolOptions
{
    public string ResponsibleGovernor { get; set; } = string.Empty;

    public string SltLead { get; set; } = string.Empty;

    public RiskProfileOptions RiskProfile { get; set; } = new();
}

/// <summary>Section <c>AnnualReview</c>: per school, the people and the risk profile the pack names. Free text; nothing to validate but its shape.</summary>
internal sealed class AnnualReviewOptions
{
    public const string Section = "AnnualReview";

    public Dictionary<string, AnnualReviewSchoolOptions> Schools { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>An academic year: 1 September to 31 August, written "2025-26".</summary>
internal sealed record AcademicYear(int StartYear)
{
    public DateOnly From => new(StartYear, 9, 1);

    public DateOnly To => new(StartYear + 1, 8, 31);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{StartYear}-{(StartYear + 1) % 100:00}");

    public static AcademicYear? Parse(string text) =>
        text.Length == 7 && text[4] == '-'
        && int.TryParse(text[..4], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
        && int.TryParse(text[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var end)
        && (start + 1) % 100 == end && start is > 2000 and < 2100
            ? new AcademicYear(start)
            : null;
}

/// <summary>One table of the pack: the PDF shows it, and it is written as CSV and in the JSON as it is.</summary>
internal sealed record ReviewTable(string Id, string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);

internal sealed record ReviewSection(string Title, string Standard, IReadOnlyList<string> Paragraphs, IReadOnlyList<ReviewTable> Tables);

internal sealed record AnnualReviewData(string SchoolId, string ScopeName, AcademicYear Year, DateTimeOffset GeneratedAt, IReadOnlyList<ReviewSection> Sections)
{
    public IEnumerable<ReviewTable> Tables => Sections.SelectMany(s => s.Tables);
}

/// <summary>
/// The annual online-safety review pack for a school (or the trust) and an academic year, structured by the DfE
/// filtering and monitoring standards and the UK Safer Internet Centre's categories. Every alert count is protected
/// by <see cref="SmallNumbers"/> exactly as in the governor summary; there is no pupil, device, login or text in it.
/// </summary>
internal sealed class AnnualReviewBuilder(
    IAlertStore store, SchoolDirectory schools, GovernorReportBuilder governor, KeywordVersionStore lists,
    IOptions<DetectionOptions> detection, IOptions<RetentionOptions> retention, IOptionsMonitor<AnnualReviewOptions> review,
    Checks.CheckLog checks, RiskProfileStore riskProfiles, TimeProvider clock)
{
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    /// <summary>A category with fewer list entries than this is flagged as thin coverage.</summary>
    public const int ThinCoverage = global::AlertPipeline.Reports.Tuning.TuningEvidence.ThinCoverage;

    public AnnualReviewData Build(string schoolId, AcademicYear year)
    {
        var period = new ReportPeriod(schoolId, year.From, year.To);
        var (from, to) = governor.Instants(period);
        var alerts = Load(schoolId, from, to);
        var entries = KeywordDirectory.Resolve(detection.Value.KeywordsDirectory) is { } dir ? KeywordDirectory.Load(dir).Entries : [];
        var changes = lists.History().Where(h => h.At >= from && h.At < to).OrderBy(h => h.At).ToList();
        var sections = new List<ReviewSection>
        {
            Roles(schoolId),
            new("Annual review", "Review filtering and monitoring provision at least once every academic year",
            [
                $"This pack covers {year} ({year.From:d MMMM yyyy} to {year.To:d MMMM yyyy}) for {governor.NameOf(schoolId)}: {Display(alerts.Count)} alerts were raised by monitoring in the year.",
                "Use it with the school's risk profile (below) to decide whether the provision still fits the school's risks, and record the decision and its actions in the log of checks.",
            ], []),
            new("Filtering", "Filtering systems block harmful and inappropriate content without unreasonably impacting teaching and learning",
            [
                "AlertPipeline monitors; it does not filter. Record the web filter's checks (the UK Safer Internet Centre's test site, the filter provider's reports) in the school's log of checks alongside this pack.",
            ], []),
            Monitoring(schoolId, to, alerts, entries, changes),
            LogOfChecks(schoolId, from, to),
            Tuning(alerts, entries),
            Retention(alerts),
            RiskProfile(schoolId),
        };
        return new AnnualReviewData(schoolId, governor.NameOf(schoolId), year, clock.GetUtcNow(), sections);
    }

    private sealed record Row(IReadOnlyList<string> Categories, Severity Severity, string? Outcome, IReadOnlyList<string> Rules, bool Minimised);

    private List<Row> Load(string schoolId, DateTimeOffset from, DateTimeOffset to)
    {
        using var connection = store.Open();
        return connection.Command($"""
                SELECT a.categories, a.severity, a.matches, CASE WHEN a.minimised_at IS NOT NULL THEN 1 ELSE 0 END,
                    (SELECT {connection.JsonText("h.detail", "outcome")} FROM alert_history h WHERE h.alert_id = a.alert_id AND h.action = 'resolved' ORDER BY h.id DESC LIMIT 1)
                FROM alerts a WHERE (@school = 'trust' OR a.school_id = @school) AND a.created_at >= @from AND a.created_at < @to AND a.is_test = 0
                """)
            .With("@school", schoolId).With("@from", from.ToUnixTimeMilliseconds()).With("@to", to.ToUnixTimeMilliseconds())
            .Rows(r =>
            {
                var matches = JsonSerializer.Deserialize<List<AlertMatch>>(r.GetString(2), WebJson) ?? [];
                return new Row(JsonSerializer.Deserialize<List<string>>(r.GetString(0)) ?? [], (Severity)r.GetInt32(1),
                    r.NullableString(4), [.. matches.Select(m => m.Rule).Distinct()], Convert.ToInt64(r.GetValue(3), CultureInfo.InvariantCulture) != 0);
            });
    }

    private ReviewSection Roles(string schoolId)
    {
        var rows = new List<IReadOnlyList<string>>();
        var targets = schoolId == ReportPeriod.Trust ? schools.Configured.Select(s => s.SchoolId).ToList() : [schoolId];
        foreach (var id in targets)
        {
            var school = schools.For(id);
            var extra = review.CurrentValue.Schools.GetValueOrDefault(id) ?? new AnnualReviewSchoolOptions();
            rows.Add([school.Name, "Designated Safeguarding Lead", Named(school.Dsl.Name)]);
            rows.AddRange(school.Deputies.Select(d => (IReadOnlyList<string>)[school.Name, "Deputy DSL", Named(d.Name)]));
            rows.Add([school.Name, "Headteacher", Named(school.Headteacher?.Name ?? "")]);
            rows.Add([school.Name, "Responsible governor", Named(extra.ResponsibleGovernor)]);
            rows.Add([school.Name, "SLT lead for filtering and monitoring", Named(extra.SltLead)]);
        }

        rows.Add([schools.TrustName, "Trust DSL", Named(schools.TrustDsl.Name)]);
        return new ReviewSection("Roles and responsibilities", "Identify and assign roles and responsibilities to manage filtering and monitoring systems",
            ["From the school's configuration. A role marked \"not named\" should be filled before the review is signed off."],
            [new ReviewTable("roles", "Roles", ["School", "Role", "Name"], rows)]);
    }

    private static string Named(string name) => string.IsNullOrWhiteSpace(name) ? "not named" : name;

    private IReadOnlyList<string> SchoolsOf(string schoolId) =>
        schoolId == ReportPeriod.Trust ? [.. schools.Configured.Select(s => s.SchoolId)] : [schoolId];

    /// <summary>Per category, what the latest end-to-end check before the end of the year found: for a school its result, trust-wide how many schools passed.</summary>
    private Dictionary<string, string> LatestChecks(string schoolId, DateTimeOffset before)
    {
        var latest = checks.LatestPerCategory(SchoolsOf(schoolId), before);
        return latest.GroupBy(l => l.Step.Category, StringComparer.Ordinal).ToDictionary(g => g.Key, g =>
        {
            if (schoolId != ReportPeriod.Trust)
            {
                // Short, to fit the PDF's column: the date and both timings are in the latest-check table.
                var step = g.Single().Step;
                return step.Passed
                    ? string.Create(CultureInfo.InvariantCulture, $"passed ({step.NotifiedAfter!.Value.TotalSeconds:0.0} s)")
                    : "FAILED";
            }

            return string.Create(CultureInfo.InvariantCulture, $"{g.Count(l => l.Step.Passed)} of {g.Count()} schools passed (latest {g.Max(l => l.At):yyyy-MM-dd})");
        }, StringComparer.Ordinal);
    }

    private ReviewSection LogOfChecks(string schoolId, DateTimeOffset from, DateTimeOffset to)
    {
        var ids = SchoolsOf(schoolId);
        var inYear = checks.List(ids, from, to, limit: 10_000).OrderBy(c => c.At).ToList();
        var latest = checks.LatestPerCategory(ids, to);
        static string Seconds(TimeSpan? t) => t is { } v ? v.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) : "–";
        return new ReviewSection("Log of checks", "Regularly check that filtering and monitoring work, and keep a log of the checks",
        [
            string.Create(CultureInfo.InvariantCulture,
                $"{inYear.Count} checks were recorded in the year: {inYear.Count(c => c.Kind == Checks.CheckKinds.Manual)} by staff in the console and {inYear.Count(c => c.Kind == Checks.CheckKinds.Automatic)} automatic end-to-end checks, " +
                $"of which {inYear.Count(c => c.Result != Checks.CheckResults.Passed)} did not pass. ") +
            "An end-to-end check sends one test event per monitoring category from the school's designated test pupil through ingest, detection, the alert store and the outbox, " +
            "and records whether the alert was stored and the test notification delivered, and how long each took (seconds from ingest). Test alerts are in no figure of this pack.",
        ],
        [
            new ReviewTable("checks", "The log of checks in the year",
                ["When", "School", "Who", "Kind", "What was tested", "Result", "Action taken"],
                [.. inYear.Select(c => (IReadOnlyList<string>)
                [
                    c.At.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), schools.For(c.SchoolId).Name, c.By, c.Kind, c.Tested, c.Result, c.Action,
                ])]),
            new ReviewTable("latest-check-by-category", "The latest end-to-end check per category",
                ["Category", "School", "When", "Stored", "Stored after (s)", "Notified", "Notified after (s)"],
                [.. latest.Select(l => (IReadOnlyList<string>)
                [
                    DisplayText.Category(l.Step.Category), schools.For(l.SchoolId).Name, l.At.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    l.Step.Stored ? "yes" : "no", Seconds(l.Step.StoredAfter), l.Step.Notified ? "yes" : "no", Seconds(l.Step.NotifiedAfter),
                ])]),
        ]);
    }

    private ReviewSection Monitoring(string schoolId, DateTimeOffset to, List<Row> alerts, IReadOnlyList<KeywordEntry> entries, IReadOnlyList<KeywordVersionRecord> changes)
    {
        var latestCheck = LatestChecks(schoolId, to);
        var categories = entries.Select(e => e.Category).Concat(alerts.SelectMany(a => a.Categories)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var outcome = (Row a) => a.Outcome ?? "open";
        // One protected group: alerts per category (a cover of the total) and, per outcome, alerts per category.
        var tables = new List<CountTable>
        {
            new("alerts", "Alerts", TableKind.Cover, [.. categories.Select(c => new CountRow(c, c, alerts.LongCount(a => a.Categories.Contains(c))))]),
        };
        tables.AddRange(GovernorReportBuilder.Outcomes.Select(o => new CountTable(o.Key, o.Label, TableKind.Subsets,
            [.. categories.Select(c => new CountRow(c, c, alerts.LongCount(a => a.Categories.Contains(c) && outcome(a) == o.Key)))])));
        var shown = SmallNumbers.Protect(alerts.Count, tables);
        var lastChange = changes is [.., var last] ? last : lists.History(1) is [var latest, ..] ? latest : null;
        var rows = categories.Select(c =>
        {
            var closed = alerts.Where(a => a.Categories.Contains(c) && a.Outcome is not null).ToList();
            var confirmed = closed.LongCount(a => a.Outcome is TriageOutcomes.ConcernConfirmed or TriageOutcomes.Referred);
            return (IReadOnlyList<string>)
            [
                DisplayText.Category(c),
                entries.Count(e => e.Category == c).ToString(CultureInfo.InvariantCulture),
                Cell(shown, "alerts", c),
                Cell(shown, TriageOutcomes.ConcernConfirmed, c),
                Cell(shown, TriageOutcomes.Referred, c),
                Cell(shown, TriageOutcomes.NoFurtherAction, c),
                Cell(shown, TriageOutcomes.FalsePositive, c),
                Precision(confirmed, closed.Count),
                latestCheck.GetValueOrDefault(c, "none recorded"),
            ];
        }).ToList();
        return new ReviewSection("Monitoring", "Have effective monitoring strategies that meet the safeguarding needs of the school",
        [
            $"Monitoring covers {categories.Count} categories (the UK Safer Internet Centre's appropriate-monitoring categories as the keyword lists name them), with {entries.Count:N0} list entries. " +
            (lastChange is null ? "No list change is recorded." : $"The lists last changed on {lastChange.At:d MMMM yyyy} by {lastChange.Actor}: {lastChange.Reason}."),
            "Precision is the share of alerts closed by the DSL that were a confirmed concern or a referral; it is shown where at least 5 alerts of the category were closed. " +
            "The last column is the latest end-to-end monitoring check of the category before the end of the year (details in the log of checks below).",
            SmallNumbers.Rule,
        ],
        [
            new ReviewTable("monitoring-categories", "Coverage, alerts and outcomes by category",
                ["Category", "List entries", "Alerts", "Confirmed", "Referred", "No further action", "False positive", "Precision", "Latest end-to-end check"], rows),
            new ReviewTable("list-changes", "Changes to the keyword lists in the year",
                ["When", "Who", "Why", "Entries"],
                [.. changes.Select(h => (IReadOnlyList<string>)[h.At.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), h.Actor, h.Reason, h.Entries.ToString(CultureInfo.InvariantCulture)])]),
        ]);
    }

    /// <summary>The tuning evidence for a school (or the trust) and a year, exact: for IT's console page.</summary>
    public global::AlertPipeline.Reports.Tuning.TuningData TuningFor(string schoolId, AcademicYear year)
    {
        var (from, to) = governor.Instants(new ReportPeriod(schoolId, year.From, year.To));
        var entries = KeywordDirectory.Resolve(detection.Value.KeywordsDirectory) is { } dir ? KeywordDirectory.Load(dir).Entries : [];
        return global::AlertPipeline.Reports.Tuning.TuningEvidence.Compute([.. Load(schoolId, from, to).Select(a => (a.Rules, a.Outcome))], entries);
    }

    private static ReviewSection Tuning(List<Row> alerts, IReadOnlyList<KeywordEntry> entries)
    {
        var data = global::AlertPipeline.Reports.Tuning.TuningEvidence.Compute([.. alerts.Select(a => (a.Rules, a.Outcome))], entries);
        var group = SmallNumbers.Protect(alerts.Count,
        [
            new("fired", "Alerts", TableKind.Subsets, [.. data.Rules.Select(r => new CountRow(r.Rule, r.Rule, r.Alerts))]),
            new("confirmed", "Confirmed", TableKind.Subsets, [.. data.Rules.Select(r => new CountRow(r.Rule, r.Rule, r.Confirmed))]),
            new("false", "False positives", TableKind.Subsets, [.. data.Rules.Select(r => new CountRow(r.Rule, r.Rule, r.FalsePositives))]),
        ]);
        return new ReviewSection("Tuning evidence", "Review and act on what monitoring finds: false alarms, gaps",
        [
            string.Create(CultureInfo.InvariantCulture,
                $"{data.Rules.Count:N0} rules (list entries) raised alerts in the year; {data.NeverFired.Count:N0} of {data.Entries:N0} never fired (counted by category below). " +
                $"Categories with fewer than {ThinCoverage} entries are listed as thin coverage. IT staff see the same figures per rule, exact and with every rule that never fired, at /it/tuning in the console."),
        ],
        [
            new ReviewTable("rules", "Alerts, confirmed concerns and false positives per rule",
                ["Rule", "Alerts", "Confirmed or referred", "False positives", "Precision"],
                [.. data.Rules.Take(40).Select(r => (IReadOnlyList<string>)
                [
                    r.Rule, Cell(group, "fired", r.Rule), Cell(group, "confirmed", r.Rule), Cell(group, "false", r.Rule), Precision(r.Confirmed, r.Closed),
                ])]),
            new ReviewTable("never-fired-by-category", "Rules that never fired, by category",
                ["Category", "Entries never fired", "Entries"],
                [.. data.NeverFired.GroupBy(e => e.Category, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (IReadOnlyList<string>)
                [
                    DisplayText.Category(g.Key), g.Count().ToString(CultureInfo.InvariantCulture),
                    entries.Count(e => e.Category == g.Key).ToString(CultureInfo.InvariantCulture),
                ])]),
            new ReviewTable("thin-coverage", "Categories with thin coverage", ["Category", "Entries"],
                [.. data.Thin.Select(t => (IReadOnlyList<string>)[DisplayText.Category(t.Category), t.Entries.ToString(CultureInfo.InvariantCulture)])]),
        ]);
    }

    private ReviewSection Retention(List<Row> alerts)
    {
        var r = retention.Value;
        var minimised = alerts.Count(a => a.Minimised);
        return new ReviewSection("Retention", "Data protection: keep pupil data no longer than needed",
        [
            string.Create(CultureInfo.InvariantCulture,
                $"Pupil data (text, login, device, screenshot) is removed from alerts closed as no concern or false positive after {r.NoConcernDays} days, and from confirmed concerns and referrals after {r.ConcernDays} days; " +
                $"screenshots no alert refers to are deleted after {r.UnreferencedScreenshotDays} days. Of this year's alerts, {Display(minimised)} have had their pupil data removed so far."),
        ], []);
    }

    private ReviewSection RiskProfile(string schoolId)
    {
        var ids = SchoolsOf(schoolId);
        var rows = new List<IReadOnlyList<string>>();
        foreach (var id in ids)
        {
            // What staff last saved in the console wins; the configuration's notes stand until then.
            var stored = riskProfiles.Latest(id);
            var p = stored?.Profile ?? review.CurrentValue.Schools.GetValueOrDefault(id)?.RiskProfile ?? new RiskProfileOptions();
            var name = schools.For(id).Name;
            var source = stored is null ? "configuration" : string.Create(CultureInfo.InvariantCulture, $"{stored.UpdatedBy}, {stored.UpdatedAt:yyyy-MM-dd}");
            rows.Add([name, "Age range", Noted(p.AgeRange), source]);
            rows.Add([name, "SEND", Noted(p.Send), source]);
            rows.Add([name, "EAL", Noted(p.Eal), source]);
            rows.Add([name, "Known local risks", Noted(p.LocalRisks), source]);
        }

        return new ReviewSection("The school's risk profile", "Filtering and monitoring should reflect the school's own risks",
            [$"Written by the school's staff in the console (Annual review, Risk profile), or until then in configuration ({AnnualReviewOptions.Section}:Schools:<school>:RiskProfile)."],
            [new ReviewTable("risk-profile", "Risk profile", ["School", "Aspect", "Notes", "Written by"], rows)]);
    }

    private static string Noted(string text) => string.IsNullOrWhiteSpace(text) ? "not yet written" : text;

    private static string Cell(ShownGroup group, string table, string key) =>
        group.Table(table) is { Withheld: false } t ? t.Cell(key)?.Display ?? "0" : "withheld";

    private static string Display(long count) => count is > 0 and < SmallNumbers.Threshold ? "<5" : count.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Shown only from 5 closed alerts, and only when neither part is a count from 1 to 4.</summary>
    private static string Precision(long confirmed, long closed) =>
        closed >= SmallNumbers.Threshold && confirmed is 0 or >= SmallNumbers.Threshold && (closed - confirmed) is 0 or >= SmallNumbers.Threshold
            ? string.Create(CultureInfo.InvariantCulture, $"{confirmed * 100.0 / closed:0}%")
            : "–";
}
