using AlertPipeline.Reports.Suppression;

namespace AlertPipeline.Tests.Reports;

/// <summary>
/// Property tests of small-number suppression against an independent brute-force attacker: for random sets of
/// alerts, every assignment of counts consistent with what a report prints is searched, and no withheld count may
/// have only one possible value.
/// </summary>
public sealed class SmallNumbersTests
{
    [Fact]
    public void Protect_OneSmallCellBesideExactTotalAndOneExactCell_CannotBeSubtracted()
    {
        // The case the security review found: total 6, bullying 5, self-harm 1; and by school 5 + 1. The old rule showed
        // "≥5" for the 5, but "≥5" and "<5" adding up to 6 can only be 5 and 1.
        var tables = new List<CountTable>
        {
            new("category", "Category", TableKind.Cover, [new("bullying", "Bullying", 5), new("self-harm", "Self-harm", 1)]),
            new("school", "School", TableKind.Partition, [new("oakfield", "Oakfield", 5), new("riverside", "Riverside", 1)]),
            new("severity", "Severity", TableKind.Partition, [new("high", "High", 6), new("low", "Low", 0)]),
        };

        var shown = SmallNumbers.Protect(6, tables);

        AssertNothingRecoverable(shown, tables, 6);
        // Withholding 5 as "≥5" is not enough (≥5 and <5 making 6), and the severity table gives the total away, so
        // the school table cannot be shown at all.
        Assert.True(shown.Table("school").Withheld);
        Assert.Equal(6, shown.Total.Value);
        Assert.Equal(5, shown.Table("category").Cell("bullying")!.Value); // self-harm is then 1 to 4: not enough to name it
    }

    [Fact]
    public void Protect_NoCountBelowFive_WithholdsNothing()
    {
        var tables = new List<CountTable>
        {
            new("severity", "Severity", TableKind.Partition, [new("high", "High", 7), new("low", "Low", 5), new("medium", "Medium", 0)]),
            new("category", "Category", TableKind.Cover, [new("bullying", "Bullying", 9), new("drugs", "Drugs", 6)]),
        };

        var shown = SmallNumbers.Protect(12, tables);

        Assert.Equal(12, shown.Total.Value);
        Assert.All(shown.Tables.SelectMany(t => t.Cells), c => Assert.Equal(CellState.Shown, c.State));
    }

    [Fact]
    public void Protect_FewerThanFiveAlerts_GivesNoBreakdown()
    {
        var shown = SmallNumbers.Protect(3, [new("severity", "Severity", TableKind.Partition, [new("high", "High", 3)])]);

        Assert.Equal("<5", shown.Total.Display);
        Assert.True(shown.Table("severity").Withheld);
        Assert.Empty(shown.Table("severity").Cells);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Protect_RandomReports_NoWithheldCountHasOnlyOnePossibleValue(int seed)
    {
        var random = new Random(seed);
        for (var run = 0; run < 150; run++)
        {
            var (total, tables) = RandomReport(random);
            var shown = SmallNumbers.Protect(total, tables);
            AssertNothingRecoverable(shown, tables, total);
        }
    }

    [Fact]
    public void Attacker_WithoutProtection_RecoversASmallCount()
    {
        // The attacker itself must be able to find what it looks for, or the property test could never fail.
        var tables = new List<CountTable> { new("school", "School", TableKind.Partition, [new("a", "A", 7), new("b", "B", 2)]) };
        var unprotected = new ShownGroup(
            new ShownCell("total", "All", CellState.Shown, 9),
            [new ShownTable("school", "School", TableKind.Partition, [new("a", "A", CellState.Shown, 7), new("b", "B", CellState.Small, null)], false)]);

        var values = Attacker.PossibleValues(unprotected, maxTotal: 40);

        Assert.Equal([2L], values[("school", "b")]);
    }

    private sealed record FakeAlert(int Severity, int School, int Hours, int Outcome, IReadOnlyList<int> Categories, int Escalated);

    private static (long Total, List<CountTable> Tables) RandomReport(Random random)
    {
        // Small schools and short periods are where suppression matters: 5 to 24 alerts, few rows per table.
        var n = random.Next(5, 25);
        var alerts = Enumerable.Range(0, n).Select(_ => new FakeAlert(
            Skewed(random, 4), Skewed(random, 3), random.Next(2), Skewed(random, 4),
            [.. Enumerable.Range(0, 3).Where(c => random.NextDouble() < (c == 0 ? 0.7 : 0.25)).DefaultIfEmpty(Skewed(random, 3))],
            random.NextDouble() < 0.2 ? random.Next(1, 3) : 0)).ToList();
        CountTable Partition(string id, int rows, Func<FakeAlert, int> of) =>
            new(id, id, TableKind.Partition, [.. Enumerable.Range(0, rows).Select(r => new CountRow($"r{r}", $"r{r}", alerts.Count(a => of(a) == r)))]);
        var tables = new List<CountTable>
        {
            new("category", "category", TableKind.Cover, [.. Enumerable.Range(0, 3).Select(c => new CountRow($"c{c}", $"c{c}", alerts.Count(a => a.Categories.Contains(c))))]),
            Partition("severity", 4, a => a.Severity),
            Partition("school", 3, a => a.School),
            Partition("hours", 2, a => a.Hours),
            Partition("outcome", 4, a => a.Outcome),
            new("escalation", "escalation", TableKind.Subsets, [.. Enumerable.Range(1, 2).Select(s => new CountRow($"s{s}", $"s{s}", alerts.Count(a => a.Escalated >= s)))]),
        };
        return (n, tables);
    }

    // Mostly the first value, so some rows are small.
    private static int Skewed(Random random, int count) => random.NextDouble() < 0.6 ? 0 : random.Next(count);

    private static void AssertNothingRecoverable(ShownGroup shown, IReadOnlyList<CountTable> tables, long total)
    {
        var values = Attacker.PossibleValues(shown, maxTotal: total + 30);
        foreach (var table in shown.Tables.Where(t => !t.Withheld))
        {
            foreach (var cell in table.Cells)
            {
                var truth = tables.Single(t => t.Id == table.Id).Rows.Single(r => r.Key == cell.Key).Count;
                if (cell.State == CellState.Shown)
                {
                    Assert.Equal(truth, cell.Value);
                    continue;
                }

                Assert.Null(cell.Value);
                var possible = values[(table.Id, cell.Key)];
                Assert.Contains(truth, possible); // the attacker is sound: the truth is among what it finds
                Assert.True(possible.Count >= 2, $"{table.Id}/{cell.Key} ({cell.Display}) can only be {truth}: {Describe(shown)}");
            }
        }

        if (shown.Total.Value is { } t)
        {
            Assert.Equal(total, t);
        }
    }

    private static string Describe(ShownGroup g) =>
        $"total {g.Total.Display}; " + string.Join("; ", g.Tables.Select(t => $"{t.Id}[{t.Kind}]: " + (t.Withheld ? "withheld" : string.Join(", ", t.Cells.Select(c => c.Display)))));

    /// <summary>
    /// Knows only what is printed and the published rule: "&lt;5" is 1 to 4, "≥5" at least 5, partitions add up to
    /// the total, categories to at least it, subsets are at most it. Tries every total and every value of every
    /// withheld cell, by depth-first search, and returns each withheld cell's possible values.
    /// </summary>
    private static class Attacker
    {
        public static Dictionary<(string, string), List<long>> PossibleValues(ShownGroup shown, long maxTotal)
        {
            var result = new Dictionary<(string, string), SortedSet<long>>();
            var totals = shown.Total.Value is { } t ? [t] : Enumerable.Range(SmallNumbers.Threshold, (int)maxTotal).Select(x => (long)x).ToList();
            var tables = shown.Tables.Where(x => !x.Withheld && x.Cells.Count > 0).ToList();
            foreach (var total in totals)
            {
                var perTable = tables.Select(table => (table, Values: CellValues(table, total))).ToList();
                if (perTable.Any(p => p.Values is null))
                {
                    continue; // no way to fill some table with this total
                }

                foreach (var (table, values) in perTable)
                {
                    foreach (var (key, set) in values!)
                    {
                        if (!result.TryGetValue((table.Id, key), out var all))
                        {
                            result[(table.Id, key)] = all = [];
                        }

                        all.UnionWith(set);
                    }
                }
            }

            return result.ToDictionary(kv => kv.Key, kv => kv.Value.ToList());
        }

        /// <summary>For one total: each withheld cell's values that some complete assignment of the table allows; null if none.</summary>
        private static Dictionary<string, HashSet<long>>? CellValues(ShownTable table, long total)
        {
            var cells = table.Cells;
            var candidates = cells.Select(c => c.State switch
            {
                CellState.Shown => [c.Value!.Value],
                CellState.Small => Enumerable.Range(1, 4).Select(v => (long)v).ToList(),
                _ => Enumerable.Range(SmallNumbers.Threshold, (int)Math.Max(0, total - SmallNumbers.Threshold + 1)).Select(v => (long)v).ToList(),
            }).ToList();
            var found = cells.Select(_ => new HashSet<long>()).ToList();
            var chosen = new long[cells.Count];
            var any = false;
            void Search(int i, long sum)
            {
                if (i == cells.Count)
                {
                    var ok = table.Kind switch
                    {
                        TableKind.Partition => sum == total,
                        TableKind.Cover => sum >= total && chosen.All(v => v <= total),
                        _ => chosen.All(v => v <= total),
                    };
                    if (ok)
                    {
                        any = true;
                        for (var j = 0; j < cells.Count; j++)
                        {
                            found[j].Add(chosen[j]);
                        }
                    }

                    return;
                }

                foreach (var v in candidates[i])
                {
                    if (table.Kind == TableKind.Partition && sum + v > total)
                    {
                        break; // candidates ascend: every larger value overshoots too
                    }

                    chosen[i] = v;
                    Search(i + 1, sum + v);
                }
            }

            Search(0, 0);
            return any ? cells.Select((c, j) => (c.Key, found[j])).Where(x => cells.First(c => c.Key == x.Key).State != CellState.Shown)
                .ToDictionary(x => x.Key, x => x.Item2) : null;
        }
    }
}
