using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AlertPipeline.Tests.Installation;
using Xunit.Abstractions;

namespace AlertPipeline.Tests.Architecture;

/// <summary>
/// The feature folders' dependency graph, read from the compiled assembly (<see cref="FolderGraph"/>), against
/// <c>docs/architecture.md</c>: its generated graph must be the code's, and every dependency that lies on a cycle must
/// be one the document lists as known debt. A new cycle fails here; so does debt paid off but still listed, so the
/// list only shrinks. Regenerate the graph with <c>UPDATE_ARCHITECTURE_DOC=1</c> (the debt list is edited by hand).
/// </summary>
public sealed partial class FolderDependencyTests(ITestOutputHelper output)
{
    private const string Begin = "<!-- BEGIN GENERATED: folder graph (tests/AlertPipeline.Tests/Architecture) -->";
    private const string End = "<!-- END GENERATED -->";

    private static readonly string Document = Path.Combine(ReleaseProcess.RepositoryRoot, "docs", "architecture.md");

    private static FolderGraph Graph() => FolderGraph.Read(typeof(AlertPipeline.Hosting.PipelineHost).Assembly.Location);

    [Fact]
    public void Folders_EveryDependencyOnACycle_IsListedDebt()
    {
        var graph = Graph();
        var onCycles = OnCycles(graph);
        var listed = ListedDebt();

        var report = new StringBuilder();
        foreach (var (from, to) in onCycles.Where(e => !listed.Contains(e)).Order())
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"new dependency on a cycle: {from} -> {to}, through {string.Join("; ", graph.DependsOn(from)[to].Take(3))}");
        }

        foreach (var (from, to) in listed.Where(e => !onCycles.Contains(e)).Order())
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"no longer on a cycle, remove from the debt list in docs/architecture.md: {from} -> {to}");
        }

        output.WriteLine(report.ToString());
        Assert.True(report.Length == 0, report.ToString());
    }

    [Fact]
    public void ArchitectureDocument_GeneratedGraph_IsTheCodes()
    {
        var text = File.ReadAllText(Document);
        var begin = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"docs/architecture.md lacks the generated block ({Begin} ... {End})");
        var generated = Render(Graph());
        var current = text[(begin + Begin.Length)..end];
        if (current != generated && Environment.GetEnvironmentVariable("UPDATE_ARCHITECTURE_DOC") == "1")
        {
            File.WriteAllText(Document, text[..(begin + Begin.Length)] + generated + text[end..]);
            return;
        }

        Assert.True(current == generated, "docs/architecture.md's folder graph is out of date: run the architecture tests with UPDATE_ARCHITECTURE_DOC=1 and commit the file");
    }

    [Fact]
    public void Cycles_TwoFoldersUsingEachOther_AreFound()
    {
        // The guard itself: a graph with a cycle must report it (so a green run above means something).
        var graph = FolderGraph.FromEdges([("A", "B"), ("B", "C"), ("C", "A"), ("C", "D")]);

        var cycle = Assert.Single(graph.Cycles());

        Assert.Equal(["A", "B", "C"], cycle);
        Assert.DoesNotContain(("C", "D"), OnCycles(graph));
    }

    private static HashSet<(string From, string To)> OnCycles(FolderGraph graph)
    {
        var edges = new HashSet<(string, string)>();
        foreach (var cycle in graph.Cycles())
        {
            foreach (var from in cycle)
            {
                foreach (var to in graph.DependsOn(from).Keys.Where(cycle.Contains))
                {
                    edges.Add((from, to));
                }
            }
        }

        return edges;
    }

    /// <summary>The lines <c>- `A -> B`</c> under the document's "Known debt" heading.</summary>
    private static HashSet<(string From, string To)> ListedDebt()
    {
        var text = File.ReadAllText(Document);
        var start = text.IndexOf("## Known debt", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/architecture.md lacks its '## Known debt' section");
        var section = text[start..];
        var next = section.IndexOf("\n## ", 3, StringComparison.Ordinal);
        section = next < 0 ? section : section[..next];
        return [.. DebtLine().Matches(section).Select(m => (m.Groups[1].Value, m.Groups[2].Value))];
    }

    private static string Render(FolderGraph graph)
    {
        var text = new StringBuilder();
        text.Append("\n```mermaid\nflowchart TD\n");
        foreach (var from in graph.Folders.Order(StringComparer.Ordinal))
        {
            foreach (var to in graph.DependsOn(from).Keys.Order(StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"  {from} --> {to}\n");
            }
        }

        text.Append("```\n\n| folder | depends on |\n|---|---|\n");
        foreach (var from in graph.Folders.Order(StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"| {from} | {string.Join(", ", graph.DependsOn(from).Keys.Order(StringComparer.Ordinal))} |\n");
        }

        return text.ToString();
    }

    [GeneratedRegex(@"^- `(\w+) -> (\w+)`", RegexOptions.Multiline)]
    private static partial Regex DebtLine();
}
