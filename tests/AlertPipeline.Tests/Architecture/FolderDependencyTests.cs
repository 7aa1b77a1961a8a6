using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace AlertPipeline.Tests.Architecture;

public sealed class FolderDependencyTests(ITestOutputHelper output)
{
    [Fact]
    public void Folders_DependencyGraph_HasNoCycle()
    {
        var graph = FolderGraph.Read(typeof(AlertPipeline.Hosting.PipelineHost).Assembly.Location);

        var cycles = graph.Cycles();

        var report = new StringBuilder();
        foreach (var cycle in cycles)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"cycle: {string.Join(", ", cycle)}");
            foreach (var from in cycle)
            {
                foreach (var (to, examples) in graph.DependsOn(from).Where(e => cycle.Contains(e.Key)))
                {
                    report.AppendLine(CultureInfo.InvariantCulture, $"  {from} -> {to} ({examples.Count}): {string.Join("; ", examples.Take(3))}");
                }
            }
        }

        output.WriteLine(report.ToString());
        Assert.True(cycles.Count == 0, report.ToString());
    }
}
