using System.Globalization;
using AlertPipeline.ConsoleUi;
using AlertPipeline.Detection;

namespace AlertPipeline.Reports.GovernorSummary;

/// <summary>One bar of a chart: a label and a count that is either exact (5 or more) or "&lt;5".</summary>
internal sealed record SummaryCount(string Key, string Label, string Count, long? Value)
{
    /// <summary>
    /// Counts from 1 to 4 are shown as "&lt;5": in a small school a count of 1 in "self-harm, Year 9, March" can
    /// name a child. The exact value is not sent at all (<see cref="Value"/> is null), not merely hidden by the page.
    /// </summary>
    public const int Threshold = 5;

    public static SummaryCount Of(string key, string label, long count) =>
        count < Threshold ? new(key, label, "<5", null) : new(key, label, count.ToString(CultureInfo.InvariantCulture), count);

    /// <summary>
    /// Complementary suppression: with the exact total on the page, a dimension with a single "&lt;5" cell gives it
    /// away by subtraction (total 8, bullying 5 → self-harm 3). So when exactly one cell of a dimension is withheld,
    /// the smallest exact cell is withheld too, shown as "≥5" — true, and no longer enough to subtract.
    /// </summary>
    public static IReadOnlyList<SummaryCount> Protect(IReadOnlyList<SummaryCount> cells)
    {
        if (cells.Count(c => c.Value is null) != 1 || !cells.Any(c => c.Value is not null))
        {
            return cells;
        }

        var smallest = cells.Where(c => c.Value is not null).MinBy(c => c.Value)!;
        return [.. cells.Select(c => ReferenceEquals(c, smallest) ? c with { Count = "≥5", Value = null } : c)];
    }
}

internal sealed record GovernorReport(
    SummaryCount Total,
    IReadOnlyList<SummaryCount> ByCategory,
    IReadOnlyList<SummaryCount> BySeverity,
    IReadOnlyList<SummaryCount> BySchool,
    IReadOnlyList<SummaryCount> ByMonth);

/// <summary>
/// Anonymised alert counts for governors: by category, severity, school and month. The queries group and count in
/// SQLite and return no alert id, pupil, device or text, so nothing individual can reach a governor through here.
/// </summary>
internal sealed class GovernorSummaryQuery(AlertQueries queries, AlertDetailBuilder schools)
{
    public GovernorReport Build()
    {
        using var connection = queries.Database.Open();
        List<(string Key, long Count)> Group(string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            var rows = new List<(string, long)>();
            while (reader.Read())
            {
                rows.Add((reader.GetValue(0).ToString() ?? "", reader.GetInt64(1)));
            }

            return rows;
        }

        var total = Group("SELECT 'all', COUNT(*) FROM alerts").Single().Count;
        return new GovernorReport(
            SummaryCount.Of("all", "All alerts", total),
            SummaryCount.Protect([.. Group("SELECT c.value, COUNT(*) FROM alerts a CROSS JOIN json_each(a.categories) c GROUP BY c.value ORDER BY 2 DESC, 1")
                .Select(r => SummaryCount.Of(r.Key, r.Key.Replace('-', ' '), r.Count))]),
            SummaryCount.Protect([.. Group("SELECT severity, COUNT(*) FROM alerts GROUP BY severity ORDER BY severity DESC")
                .Select(r => { var s = ((Severity)int.Parse(r.Key, CultureInfo.InvariantCulture)).ToName(); return SummaryCount.Of(s, s, r.Count); })]),
            SummaryCount.Protect([.. Group("SELECT school_id, COUNT(*) FROM alerts GROUP BY school_id ORDER BY school_id")
                .Select(r => SummaryCount.Of(r.Key, schools.SchoolName(r.Key), r.Count))]),
            SummaryCount.Protect([.. Group("SELECT strftime('%Y-%m', occurred_at / 1000, 'unixepoch'), COUNT(*) FROM alerts GROUP BY 1 ORDER BY 1")
                .Select(r => SummaryCount.Of(r.Key, r.Key, r.Count))]));
    }
}
