using System.Globalization;

namespace AlertPipeline.Reports.Suppression;

/// <summary>How the cells of a table relate to the group's total, which a reader can use to subtract.</summary>
internal enum TableKind
{
    /// <summary>Every alert is in exactly one row (severity, school, source, month): the rows add up to the total.</summary>
    Partition,

    /// <summary>Every alert is in at least one row (categories: an alert may have several): the rows add up to at least the total.</summary>
    Cover,

    /// <summary>Rows are subsets of the alerts with no sum (escalated to step 1, step 2): each row is at most the total.</summary>
    Subsets,
}

/// <summary>A table of counts as computed, with the true values. Never rendered: <see cref="SmallNumbers.Protect"/> turns it into a <see cref="ShownTable"/>.</summary>
internal sealed record CountTable(string Id, string Title, TableKind Kind, IReadOnlyList<CountRow> Rows);

internal sealed record CountRow(string Key, string Label, long Count);

internal enum CellState
{
    Shown,

    /// <summary>A count from 1 to 4, shown as "&lt;5".</summary>
    Small,

    /// <summary>A count of 5 or more withheld so that a small one cannot be worked out from it, shown as "≥5".</summary>
    Withheld,
}

/// <summary>What a report may print for one count: <see cref="Value"/> is null unless the count is shown exactly.</summary>
internal sealed record ShownCell(string Key, string Label, CellState State, long? Value)
{
    public string Display => State switch
    {
        CellState.Shown => Value!.Value.ToString("N0", CultureInfo.InvariantCulture),
        CellState.Small => "<5",
        _ => "≥5",
    };
}

internal sealed record ShownTable(string Id, string Title, TableKind Kind, IReadOnlyList<ShownCell> Cells, bool Withheld)
{
    public ShownCell? Cell(string key) => Cells.FirstOrDefault(c => c.Key == key);
}

/// <summary>A total and every table of one report computed from the same alerts, after protection.</summary>
internal sealed record ShownGroup(ShownCell Total, IReadOnlyList<ShownTable> Tables)
{
    public ShownTable Table(string id) => Tables.Single(t => t.Id == id);
}

/// <summary>
/// Small-number suppression that a reader cannot undo by arithmetic. A count from 1 to 4 is shown as "&lt;5". A
/// reader knows the rules, so they know a "&lt;5" is between 1 and 4, a "≥5" is at least 5, the rows of a partition
/// add up to the total and the categories add up to at least it. Across every table of the same group (one
/// period's alerts) the only link between tables is that shared total, so the exact range of each withheld count
/// given everything printed is computable (<see cref="Ranges"/>). While any withheld count has only one possible
/// value, the smallest exact count of its table is withheld too ("≥5"); when a table has no exact count left, the
/// total is withheld if no other table gives it away, and otherwise that table is withheld whole.
/// Each step withholds one more number, so it ends. The property tests check the result against a brute-force
/// enumeration of every set of counts consistent with what is printed.
/// </summary>
internal static class SmallNumbers
{
    public const int Threshold = 5;

    /// <summary>The rule as printed in every report that uses it.</summary>
    public const string Rule =
        "Small numbers are protected. Any count from 1 to 4 is shown as \"<5\". Where such a count could otherwise be " +
        "worked out by subtracting the counts shown from a total (in this table or with any other table in the same " +
        "section), further counts are withheld and shown as \"≥5\", and if needed the total too, until no withheld " +
        "count can be worked out exactly from anything else in the report. Each period is protected on its own.";

    // Upper bound for "at least 5" in the arithmetic: larger than any real count, small enough not to overflow sums.
    private const long Unbounded = 1L << 40;

    public static ShownGroup Protect(long total, IReadOnlyList<CountTable> tables)
    {
        if (total < Threshold)
        {
            // Fewer than 5 alerts: any breakdown could point to a child, so none is given.
            var state = total == 0 ? CellState.Shown : CellState.Small;
            return new ShownGroup(
                new ShownCell("total", "All alerts", state, total == 0 ? 0 : null),
                [.. tables.Select(t => new ShownTable(t.Id, t.Title, t.Kind, [], Withheld: total > 0))]);
        }

        var states = tables.Select(t => t.Rows.Select(r => r.Count is > 0 and < Threshold ? CellState.Small : CellState.Shown).ToArray()).ToArray();
        var withheldTables = new bool[tables.Count];
        var totalShown = true;
        while (true)
        {
            var ranges = Ranges(total, totalShown, tables, states, withheldTables);
            var bad = FirstPinned(states, withheldTables, ranges.Cells);
            if (bad is not { } at)
            {
                break;
            }

            if (WithholdSmallest(tables[at.Table], states[at.Table]))
            {
                continue;
            }

            // Withholding the total helps only if no other table gives it away; otherwise it would cost the reader
            // the total for nothing (and then cells of every other table), so the table is withheld whole instead.
            if (totalShown)
            {
                var (low, high, _) = Ranges(total, totalShown: false, tables, states, withheldTables);
                if (low < high)
                {
                    totalShown = false;
                    continue;
                }
            }

            withheldTables[at.Table] = true;
        }

        return new ShownGroup(
            new ShownCell("total", "All alerts", totalShown ? CellState.Shown : CellState.Withheld, totalShown ? total : null),
            [.. tables.Select((t, i) => new ShownTable(t.Id, t.Title, t.Kind,
                withheldTables[i] ? [] : [.. t.Rows.Select((r, j) => new ShownCell(r.Key, r.Label, states[i][j], states[i][j] == CellState.Shown ? r.Count : null))],
                withheldTables[i]))]);
    }

    /// <summary>
    /// The exact range of the total and of every cell given only what would be printed: shown cells exact, "&lt;5"
    /// in [1, 4], "≥5" in [5, ∞), a withheld total in [5, ∞). Tables are independent once the total is fixed, so the
    /// total's range is the intersection of what each table allows, and each cell's range follows from it.
    /// </summary>
    internal static (long TotalLow, long TotalHigh, (long Low, long High)[][] Cells) Ranges(
        long total, bool totalShown, IReadOnlyList<CountTable> tables, CellState[][] states, bool[] withheldTables)
    {
        (long, long) Bounds(int t, int r) => states[t][r] switch
        {
            CellState.Shown => (tables[t].Rows[r].Count, tables[t].Rows[r].Count),
            CellState.Small => (1, Threshold - 1),
            _ => (Threshold, Unbounded),
        };

        long low = totalShown ? total : Threshold, high = totalShown ? total : Unbounded;
        for (var t = 0; t < tables.Count; t++)
        {
            if (withheldTables[t] || tables[t].Rows.Count == 0)
            {
                continue;
            }

            var bounds = Enumerable.Range(0, tables[t].Rows.Count).Select(r => Bounds(t, r)).ToList();
            long sumLow = bounds.Sum(b => b.Item1), sumHigh = Math.Min(Unbounded, bounds.Sum(b => b.Item2)), maxLow = bounds.Max(b => b.Item1);
            switch (tables[t].Kind)
            {
                case TableKind.Partition:
                    low = Math.Max(low, sumLow);
                    high = Math.Min(high, sumHigh);
                    break;
                case TableKind.Cover:
                    low = Math.Max(low, maxLow);
                    high = Math.Min(high, sumHigh);
                    break;
                default:
                    low = Math.Max(low, maxLow);
                    break;
            }
        }

        var cells = new (long, long)[tables.Count][];
        for (var t = 0; t < tables.Count; t++)
        {
            var rows = tables[t].Rows.Count;
            cells[t] = new (long, long)[rows];
            if (withheldTables[t])
            {
                continue;
            }

            var bounds = Enumerable.Range(0, rows).Select(r => Bounds(t, r)).ToArray();
            for (var r = 0; r < rows; r++)
            {
                var (lo, hi) = bounds[r];
                // The other rows' sums, each "at least 5" counting as unbounded (a capped sum minus this row would not).
                long othersLow = 0, othersHigh = 0;
                for (var j = 0; j < rows; j++)
                {
                    if (j != r)
                    {
                        othersLow += bounds[j].Item1;
                        othersHigh = Math.Min(Unbounded, othersHigh + bounds[j].Item2);
                    }
                }

                cells[t][r] = tables[t].Kind switch
                {
                    TableKind.Partition => (Math.Max(lo, low - othersHigh), Math.Min(hi, high - othersLow)),
                    TableKind.Cover => (Math.Max(lo, low - othersHigh), Math.Min(hi, high)),
                    _ => (lo, Math.Min(hi, high)),
                };
            }
        }

        return (low, high, cells);
    }

    private static (int Table, int Row)? FirstPinned(CellState[][] states, bool[] withheldTables, (long Low, long High)[][] ranges)
    {
        for (var t = 0; t < states.Length; t++)
        {
            for (var r = 0; r < states[t].Length; r++)
            {
                if (!withheldTables[t] && states[t][r] != CellState.Shown && ranges[t][r].Low >= ranges[t][r].High)
                {
                    return (t, r);
                }
            }
        }

        return null;
    }

    private static bool WithholdSmallest(CountTable table, CellState[] states)
    {
        var smallest = -1;
        for (var i = 0; i < states.Length; i++)
        {
            if (states[i] == CellState.Shown && table.Rows[i].Count > 0 && (smallest < 0 || table.Rows[i].Count < table.Rows[smallest].Count))
            {
                smallest = i;
            }
        }

        if (smallest < 0)
        {
            return false;
        }

        states[smallest] = CellState.Withheld;
        return true;
    }
}
