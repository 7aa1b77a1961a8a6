using System.Globalization;
using AlertPipeline.Detection;
using AlertPipeline.Reports.Pdf;
using AlertPipeline.Reports.Suppression;

namespace AlertPipeline.Reports.GovernorSummary;

/// <summary>
/// The governor summary as a PDF that reads in five minutes: key figures and the category chart first, then one
/// short section per question a governor asks (how many, how fast, what came of it, is monitoring working), and the
/// small-number rule at the end. Every count goes through <see cref="SmallNumbers"/> before it gets here.
/// </summary>
internal static class GovernorPdf
{
    public static byte[] Render(GovernorReportData d)
    {
        var generated = d.GeneratedAt.ToString("d MMMM yyyy HH:mm 'UTC'", CultureInfo.InvariantCulture);
        using var pdf = new ReportPdf($"Governor summary: {d.ScopeName}, {d.Period.Label}",
            $"{d.ScopeName} · governor summary · {d.Period.Label} · anonymised · generated {generated}");
        pdf.Title("Online safety monitoring: governor summary",
            $"{d.ScopeName} · {d.Period.Label} ({d.Period.Days} days) · compared with the previous {d.Period.Days} days" +
            (d.YearEarlier is null ? "" : " and the same period last year"));

        var c = d.Current;
        var urgent = Sum(c.Table(GovernorReportBuilder.BySeverity), "urgent", "critical");
        var confirmed = Sum(c.Table(GovernorReportBuilder.ByOutcome), "concern-confirmed", "referred");
        var critical = d.Response.FirstOrDefault(r => r.Severity == Severity.Critical);
        pdf.KeyFigures(
        [
            (c.Total.Display, "Alerts", Trend(c.Total, d.Previous.Total, d.YearEarlier?.Total)),
            (urgent, "Urgent or critical", "need action the same day"),
            (confirmed, "Confirmed", "concerns or referrals"),
            (critical?.Median is { } m ? Duration(m) : "–", "Median to act",
                "critical; " + (critical?.Target is { } t ? $"target {Duration(t)}" : "no target set")),
        ]);

        pdf.Heading("What the alerts were about");
        var previous = d.Previous.Table(GovernorReportBuilder.ByCategory);
        pdf.BarChart([.. Cells(c, GovernorReportBuilder.ByCategory).Select(cell => new PdfBar(cell.Label, cell.Value, cell.Display, previous.Cell(cell.Key)?.Value))],
            "Dark bars: this period. Thin light bars: the previous period, where shown. An alert can be in more than one category.");

        pdf.Heading("How serious, and the trend");
        pdf.Table(
            [new("Severity", 3), new("This period", 2, true), new("Previous period", 2, true), new("A year earlier", 2, true)],
            [.. TrendRows(d, GovernorReportBuilder.BySeverity)]);

        pdf.Heading("How quickly staff acted");
        pdf.Paragraph("Time from the alert to the first action by a member of staff (acknowledged, assigned, escalated or closed), " +
                      "against the school's own targets for urgent and critical alerts. Timings are withheld where fewer than 5 alerts were acted on.",
            muted: true);
        pdf.Table(
            [new("Severity", 2.2), new("Alerts", 1.4, true), new("Median", 1.5, true), new("90th centile", 1.8, true), new("Target", 1.5, true), new("Within target", 1.8, true)],
            [.. d.Response.Where(r => r.Count > 0).Select(r => (IReadOnlyList<string>)
            [
                Capitalise(r.Severity.ToName()),
                Display(c.Table(GovernorReportBuilder.BySeverity), r.Severity.ToName()),
                r.Median is { } med ? Duration(med) : "–",
                r.P90 is { } p90 ? Duration(p90) : "–",
                r.Target is { } tg ? Duration(tg) : "none",
                r.WithinTarget is { } w && Protected(w) && Protected(r.Count - w) ? Percent(w, r.Count) : "–",
            ])],
            "No alerts in this period.");
        var escalations = c.Table(GovernorReportBuilder.ByEscalation);
        if (!escalations.Withheld && escalations.Cells.Count > 0)
        {
            pdf.Paragraph("When an urgent or critical alert is not acknowledged in time, the next person in the chain is told:", muted: true);
            pdf.Table([new("Escalation", 5), new("Alerts", 1.5, true)], [.. escalations.Cells.Select(e => (IReadOnlyList<string>)[e.Label, e.Display])]);
        }

        pdf.Heading("What came of them");
        pdf.Table([new("Outcome recorded by the DSL", 5), new("Alerts", 1.5, true)],
            [.. Cells(c, GovernorReportBuilder.ByOutcome).Select(o => (IReadOnlyList<string>)[o.Label, o.Display])]);

        pdf.Heading("When and where");
        TwoTables(pdf, c, GovernorReportBuilder.ByHours, "School hours", GovernorReportBuilder.BySource, "Source");
        if (d.Period.IsTrust)
        {
            pdf.Table([new("School", 5), new("Alerts", 1.5, true)],
                [.. Cells(c, GovernorReportBuilder.BySchool).Select(o => (IReadOnlyList<string>)[o.Label, o.Display])]);
        }

        pdf.Table([new("Year group", 5), new("Alerts", 1.5, true)],
            [.. Cells(c, GovernorReportBuilder.ByYearGroup).Select(o => (IReadOnlyList<string>)[o.Label, o.Display])], "No alerts.");

        pdf.Heading("Is monitoring working?");
        var cov = d.Coverage;
        pdf.Paragraph(cov.HasDeviceData
            ? string.Create(CultureInfo.InvariantCulture,
                $"Devices known to monitoring: {cov.DevicesKnown:N0}. Reported during the period: {cov.DevicesReporting:N0}. Gone silent (nothing for {GovernorReportBuilder.SilentAfter.TotalDays:0} days or more at the end of the period): {cov.DevicesSilent:N0}. IT staff see which devices in the console.")
            : "No device activity is available to this report (the host uses Kafka, or no device has reported yet).");
        pdf.Paragraph(cov.ListChanges.Count == 0
            ? "The keyword lists did not change in this period."
            : $"The keyword lists changed {cov.ListChanges.Count} time(s) in this period:");
        if (cov.ListChanges.Count > 0)
        {
            pdf.Table([new("When", 1.6), new("Who", 1.4), new("Why", 4.5), new("Entries", 1, true)],
                [.. cov.ListChanges.Select(l => (IReadOnlyList<string>)
                [
                    l.At.ToString("d MMM yyyy HH:mm", CultureInfo.InvariantCulture), l.Actor, l.Reason, l.Entries.ToString("N0", CultureInfo.InvariantCulture),
                ])]);
        }

        pdf.Heading("How to read this report", keepWith: 60);
        pdf.Paragraph(SmallNumbers.Rule, small: true);
        pdf.Paragraph("This summary is anonymised: it contains no pupil name, login, device or text, and no individual alert. " +
                      "Figures count alerts raised in the period (by when they were raised); the previous period and the same period " +
                      "last year are protected separately.", small: true, muted: true);
        return pdf.ToBytes();
    }

    private static void TwoTables(ReportPdf pdf, ShownGroup c, string first, string firstTitle, string second, string secondTitle)
    {
        pdf.Table([new(firstTitle, 5), new("Alerts", 1.5, true)], [.. Cells(c, first).Select(o => (IReadOnlyList<string>)[o.Label, o.Display])], "No alerts.");
        pdf.Table([new(secondTitle, 5), new("Alerts", 1.5, true)], [.. Cells(c, second).Select(o => (IReadOnlyList<string>)[o.Label, o.Display])], "No alerts.");
    }

    private static IEnumerable<IReadOnlyList<string>> TrendRows(GovernorReportData d, string table)
    {
        var current = d.Current.Table(table);
        if (current.Withheld)
        {
            yield return ["Withheld: fewer than 5 alerts", "", "", ""];
            yield break;
        }

        foreach (var cell in current.Cells)
        {
            yield return [cell.Label, cell.Display, Display(d.Previous.Table(table), cell.Key), d.YearEarlier is null ? "no data" : Display(d.YearEarlier.Table(table), cell.Key)];
        }

        yield return ["All alerts", d.Current.Total.Display, d.Previous.Total.Display, d.YearEarlier?.Total.Display ?? "no data"];
    }

    private static string Display(ShownTable table, string key) => table.Withheld ? "withheld" : table.Cell(key)?.Display ?? "0";

    private static IReadOnlyList<ShownCell> Cells(ShownGroup group, string table) => group.Table(table) is { Withheld: false } t
        ? t.Cells
        : [new ShownCell("withheld", "Withheld: fewer than 5 alerts in the period", CellState.Small, null)];

    private static string Sum(ShownTable table, params string[] keys)
    {
        var cells = keys.Select(table.Cell).Where(c => c is not null).ToList();
        if (table.Withheld)
        {
            return "withheld";
        }

        if (cells.Count == 0)
        {
            return "0";
        }

        // A sum of withheld counts is not shown: it could undo the protection.
        return cells.All(c => c!.Value is not null) ? cells.Sum(c => c!.Value!.Value).ToString("N0", CultureInfo.InvariantCulture) : "withheld";
    }

    private static string Trend(ShownCell now, ShownCell previous, ShownCell? yearEarlier)
    {
        string Change(ShownCell before, string what) => now.Value is { } n && before.Value is { } b && b > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{(n >= b ? "+" : "")}{(n - b) * 100.0 / b:0}% on {what}")
            : $"{before.Display} {what}";
        return yearEarlier is null ? Change(previous, "previous period") : Change(previous, "previous") + " · " + Change(yearEarlier, "last year");
    }

    internal static string Duration(TimeSpan span) => span.TotalMinutes < 1
        ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0} s")
        : span.TotalHours < 2 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0} min")
        : span.TotalDays < 2 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0.#} h")
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalDays:0.#} days");

    /// <summary>A share is shown only when neither side of it is a count from 1 to 4.</summary>
    private static bool Protected(long count) => count is 0 or >= SmallNumbers.Threshold;

    private static string Percent(long part, long whole) => string.Create(CultureInfo.InvariantCulture, $"{part * 100.0 / whole:0}%");

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
