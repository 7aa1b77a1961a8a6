using System.Globalization;
using System.Text.Json;
using AlertPipeline.Alerts;
using AlertPipeline.ConsoleUi;
using AlertPipeline.Devices;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Notifications;
using AlertPipeline.Reports.Suppression;
using AlertPipeline.Schools;
using AlertPipeline.Storage;
using AlertPipeline.Triage;

namespace AlertPipeline.Reports.GovernorSummary;

/// <summary>
/// What a report covers: one school (<see cref="SchoolId"/>) or the whole trust (<see cref="Trust"/>), over whole local
/// days from <see cref="From"/> to <see cref="To"/> inclusive, in the school's time zone (UK time for the trust).
/// </summary>
internal sealed record ReportPeriod(string SchoolId, DateOnly From, DateOnly To)
{
    public const string Trust = "trust";

    public bool IsTrust => SchoolId == Trust;

    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>The same number of days just before this period.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ReportPeriod Previous => new(SchoolId, From.AddDays(-Days), From.AddDays(-1));

    [System.Text.Json.Serialization.JsonIgnore]
    public ReportPeriod YearEarlier => new(SchoolId, From.AddYears(-1), To.AddYears(-1));

    public string Label => From.Year == To.Year && From.Month == To.Month && From.Day == 1 && To.AddDays(1).Day == 1
        ? From.ToString("MMMM yyyy", CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{From:d MMMM yyyy} to {To:d MMMM yyyy}");

    public string Subject => string.Create(CultureInfo.InvariantCulture, $"{SchoolId}|{From:yyyy-MM-dd}|{To:yyyy-MM-dd}");

    public static ReportPeriod? Parse(string subject)
    {
        var parts = subject.Split('|');
        return parts.Length == 3
               && DateOnly.TryParseExact(parts[1], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from)
               && DateOnly.TryParseExact(parts[2], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var to)
            ? new ReportPeriod(parts[0], from, to)
            : null;
    }
}

/// <summary>Time from alert to first human action, for one severity. Null figures: fewer than 5 alerts, not shown.</summary>
internal sealed record ResponseTimes(Severity Severity, long Count, TimeSpan? Median, TimeSpan? P90, TimeSpan? Target, long? WithinTarget);

internal sealed record ListChange(DateTimeOffset At, string Version, string Actor, string Reason, int Entries);

internal sealed record Coverage(long DevicesKnown, long DevicesReporting, long DevicesSilent, bool HasDeviceData, IReadOnlyList<ListChange> ListChanges);

/// <summary>Everything a governor summary shows; every alert count is already protected.</summary>
internal sealed record GovernorReportData(
    ReportPeriod Period,
    string ScopeName,
    DateTimeOffset GeneratedAt,
    ShownGroup Current,
    ShownGroup Previous,
    ShownGroup? YearEarlier,
    IReadOnlyList<ResponseTimes> Response,
    Coverage Coverage);

/// <summary>
/// Builds the governor summary from alerts.db (alerts, their history and the outbox), the roster (year groups only),
/// the keyword-list history and device activity. One code path for the scheduled email, the console download and
/// <c>alertpipeline reports governor</c>. It reads pupil logins only to look up a year group and returns counts:
/// no alert id, pupil, device, login or text leaves this class.
/// </summary>
internal sealed class GovernorReportBuilder(
    IAlertStore store, SchoolDirectory schools, Roster roster, KeywordVersionStore lists, DeviceActivity devices, TimeProvider clock)
{
    public static readonly TimeSpan SilentAfter = TimeSpan.FromDays(3);

    private static readonly string[] HumanActions = ["acknowledged", "assigned", "escalated", "resolved"];

    public TimeZoneInfo ZoneOf(string schoolId) => schoolId == ReportPeriod.Trust
        ? schools.For(Digests.DigestPeriod.WholeTrust).Hours.Zone
        : schools.For(schoolId).Hours.Zone;

    public string NameOf(string schoolId) => schoolId == ReportPeriod.Trust ? schools.TrustName + " (all schools)" : schools.For(schoolId).Name;

    public (DateTimeOffset From, DateTimeOffset To) Instants(ReportPeriod period)
    {
        var zone = ZoneOf(period.SchoolId);
        DateTimeOffset At(DateOnly day)
        {
            var local = day.ToDateTime(TimeOnly.MinValue);
            return new DateTimeOffset(local, zone.GetUtcOffset(local));
        }

        return (At(period.From), At(period.To.AddDays(1)));
    }

    public GovernorReportData Build(ReportPeriod period)
    {
        var current = Load(period);
        var previous = Load(period.Previous);
        var (yearFrom, _) = Instants(period.YearEarlier);
        var yearEarlier = EarliestAlert(period.SchoolId) is { } first && first <= yearFrom ? Load(period.YearEarlier) : null;
        return new GovernorReportData(
            period, NameOf(period.SchoolId), clock.GetUtcNow(),
            Protect(period, current), Protect(period, previous), yearEarlier is null ? null : Protect(period, yearEarlier),
            ResponseOf(period, current), CoverageOf(period));
    }

    /// <summary>An alert as the report counts it. Held only inside this class.</summary>
    private sealed record Row(string SchoolId, string Login, DateTimeOffset CreatedAt, DateTimeOffset OccurredAt, string Source,
        IReadOnlyList<string> Categories, Severity Severity, DateTimeOffset? FirstAction, string? Outcome, int EscalationSteps);

    private List<Row> Load(ReportPeriod period)
    {
        var (from, to) = Instants(period);
        using var connection = store.Open();
        return connection.Command($"""
                SELECT a.school_id, a.user_login, a.created_at, a.occurred_at, a.source, a.categories, a.severity,
                    (SELECT MIN(h.at) FROM alert_history h WHERE h.alert_id = a.alert_id AND h.actor <> 'system'
                        AND h.action IN ({string.Join(", ", HumanActions.Select(a => $"'{a}'"))})),
                    (SELECT {connection.JsonText("h.detail", "outcome")} FROM alert_history h WHERE h.alert_id = a.alert_id AND h.action = 'resolved'
                        ORDER BY h.id DESC LIMIT 1),
                    (SELECT COALESCE(MAX(CAST(substr(n.kind, 12) AS INTEGER)), 0) FROM notifications n
                        WHERE n.alert_id = a.alert_id AND n.kind LIKE 'escalation-%' AND n.status = 'sent')
                FROM alerts a
                WHERE (@school = 'trust' OR a.school_id = @school) AND a.created_at >= @from AND a.created_at < @to AND a.is_test = 0
                """)
            .With("@school", period.SchoolId).With("@from", from.ToUnixTimeMilliseconds()).With("@to", to.ToUnixTimeMilliseconds())
            .Rows(r => new Row(
                r.GetString(0), r.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)), r.GetString(4),
                JsonSerializer.Deserialize<List<string>>(r.GetString(5)) ?? [], (Severity)r.GetInt32(6),
                r.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)),
                r.NullableString(8), Convert.ToInt32(r.GetValue(9), CultureInfo.InvariantCulture)));
    }

    private DateTimeOffset? EarliestAlert(string schoolId)
    {
        using var connection = store.Open();
        return connection.Command("SELECT MIN(created_at) FROM alerts WHERE (@school = 'trust' OR school_id = @school) AND is_test = 0")
            .With("@school", schoolId).Rows(r => r.NullableLong(0)).Single() is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null;
    }

    public const string ByCategory = "category", BySeverity = "severity", BySchool = "school", BySource = "source", ByHours = "hours",
        ByYearGroup = "year-group", ByOutcome = "outcome", ByEscalation = "escalation";

    /// <summary>The outcome rows, in the order a governor reads them; "open" is every alert not yet closed.</summary>
    public static readonly IReadOnlyList<(string Key, string Label)> Outcomes =
    [
        (TriageOutcomes.ConcernConfirmed, "Concern confirmed"),
        (TriageOutcomes.Referred, "Referred (CPOMS / MyConcern)"),
        (TriageOutcomes.NoFurtherAction, "No further action"),
        (TriageOutcomes.FalsePositive, "False positive"),
        ("open", "Not yet closed"),
    ];

    private ShownGroup Protect(ReportPeriod period, List<Row> rows)
    {
        static CountRow Count(string key, string label, long count) => new(key, label, count);
        IReadOnlyList<CountRow> By(Func<Row, string> key, Func<string, string>? label = null) =>
        [
            .. rows.GroupBy(key, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => Count(g.Key, label?.Invoke(g.Key) ?? g.Key, g.LongCount())),
        ];

        var tables = new List<CountTable>
        {
            new(ByCategory, "Alerts by category", TableKind.Cover,
            [
                .. rows.SelectMany(r => r.Categories.Distinct()).GroupBy(c => c, StringComparer.Ordinal)
                    .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => Count(g.Key, DisplayText.Category(g.Key), g.LongCount())),
            ]),
            new(BySeverity, "Alerts by severity", TableKind.Partition,
            [
                .. Enum.GetValues<Severity>().Reverse().Select(s => Count(s.ToName(), Capitalise(s.ToName()), rows.LongCount(r => r.Severity == s))),
            ]),
            new(BySource, "Alerts by source", TableKind.Partition, By(r => r.Source, Capitalise)),
            new(ByHours, "In and out of school hours", TableKind.Partition,
            [
                Count("in", "In school hours", rows.LongCount(InHours)),
                Count("out", "Out of school hours", rows.LongCount(r => !InHours(r))),
            ]),
            new(ByYearGroup, "Alerts by year group", TableKind.Partition,
            [
                .. rows.GroupBy(r => roster.Find(r.Login)?.YearGroup ?? "Not on the roster", StringComparer.Ordinal)
                    .OrderBy(g => YearOrder(g.Key)).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => Count(g.Key, YearLabel(g.Key), g.LongCount())),
            ]),
            new(ByOutcome, "Outcomes", TableKind.Partition,
            [
                .. Outcomes.Select(o => Count(o.Key, o.Label, rows.LongCount(r => (r.Outcome ?? "open") == o.Key))),
            ]),
            new(ByEscalation, "Escalations", TableKind.Subsets, [.. EscalationRows(period, rows)]),
        };
        if (period.IsTrust)
        {
            tables.Insert(2, new(BySchool, "Alerts by school", TableKind.Partition, By(r => r.SchoolId, id => schools.For(id).Name)));
        }

        return SmallNumbers.Protect(rows.Count, tables);
    }

    private bool InHours(Row r) => schools.For(r.SchoolId).Hours.IsOpen(r.OccurredAt);

    private IEnumerable<CountRow> EscalationRows(ReportPeriod period, List<Row> rows)
    {
        var steps = Math.Max(rows.Select(r => r.EscalationSteps).DefaultIfEmpty(0).Max(), period.IsTrust ? 0 : schools.For(period.SchoolId).EscalationChain(schools.TrustDsl).Count);
        for (var step = 1; step <= steps; step++)
        {
            var who = period.IsTrust ? null : schools.For(period.SchoolId).EscalationChain(schools.TrustDsl).ElementAtOrDefault(step - 1);
            var label = who is null ? $"Step {step}" : $"Step {step}: {string.Join(", ", who.Select(c => c.Role).Distinct())}";
            yield return new CountRow($"step-{step}", "Escalated to " + label, rows.LongCount(r => r.EscalationSteps >= step));
        }
    }

    private List<ResponseTimes> ResponseOf(ReportPeriod period, List<Row> rows)
    {
        var school = period.IsTrust ? null : schools.For(period.SchoolId);
        var result = new List<ResponseTimes>();
        foreach (var severity in Enum.GetValues<Severity>().Reverse())
        {
            var of = rows.Where(r => r.Severity == severity).ToList();
            var times = of.Where(r => r.FirstAction is not null).Select(r => r.FirstAction!.Value - r.CreatedAt).Order().ToList();
            var target = school?.EscalationDeadline(severity) ?? schools.For(Digests.DigestPeriod.WholeTrust).EscalationDeadline(severity);
            // Like counts, timings of fewer than 5 alerts are withheld: a single response time can identify an incident.
            var enough = times.Count >= SmallNumbers.Threshold;
            long? within = enough && target is { } t ? times.LongCount(x => x <= t) : null;
            result.Add(new ResponseTimes(severity, of.Count, enough ? Percentile(times, 0.5) : null, enough ? Percentile(times, 0.9) : null, target, within));
        }

        return result;
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    internal static TimeSpan Percentile(IReadOnlyList<TimeSpan> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private Coverage CoverageOf(ReportPeriod period)
    {
        var (from, to) = Instants(period);
        var changes = lists.History().Where(h => h.At >= from && h.At < to).OrderBy(h => h.At)
            .Select(h => new ListChange(h.At, h.Version, h.Actor, h.Reason, h.Entries)).ToList();
        if (!devices.HasQueue && devices.Known() == 0)
        {
            return new Coverage(0, 0, 0, false, changes);
        }

        // Last-seen times of every device (the silent list with a bound in the future is all of them).
        var all = devices.Silent(DateTimeOffset.MaxValue).Where(d => period.IsTrust || d.SchoolId == period.SchoolId).ToList();
        var end = to < clock.GetUtcNow() ? to : clock.GetUtcNow();
        return new Coverage(all.Count, all.LongCount(d => d.LastSeen >= from), all.LongCount(d => d.LastSeen < end - SilentAfter), true, changes);
    }


    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static int YearOrder(string year) =>
        int.TryParse(new string([.. year.Where(char.IsAsciiDigit)]), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue;

    private static string YearLabel(string year) => int.TryParse(year, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? $"Year {n}" : year;
}
