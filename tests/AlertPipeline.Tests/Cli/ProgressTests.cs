using AlertPipeline.Tests.Installation;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Cli;

/// <summary>
/// Progress is for a person at a terminal: the real executable under a pseudo-terminal (util-linux <c>script</c>)
/// shows a spinner; with its output redirected, as a script reads it, it prints exactly what it printed before.
/// </summary>
public sealed class ProgressTests
{
    private static readonly string Suite = Path.Combine(ReleaseProcess.RepositoryRoot, "tests", "suites", "benign-school.csv");

    [Fact]
    public async Task Eval_OutputRedirected_NoEscapesAndTheSameTextAsWithoutProgress()
    {
        var (code, output) = await RunAsync(["eval", "--file", Suite, "--lists", CliTests.SeedLists()]);
        var (_, expected, _) = await CliTests.RunAsync(["eval", "--file", Suite, "--lists", CliTests.SeedLists()]); // a StringWriter: never a terminal

        Assert.Equal(0, code);
        Assert.DoesNotContain('\u001b', output);
        Assert.Equal(Lines(expected), Lines(output));
    }

    [Fact]
    public async Task AlertsListJsonAndRetention_OutputRedirected_NoEscapesNoProgressLines()
    {
        using var dir = new TempDirectory();
        var data = Path.Combine(dir.Path, "data");
        Assert.Equal(0, (await RunAsync(["migrate", "--data-dir", data])).Code);

        var (listCode, list) = await RunAsync(["alerts", "list", "--data-dir", data, "--format", "json"]);
        var (retentionCode, retention) = await RunAsync(["retention", "--dry-run", "--data-dir", data]);

        Assert.Equal(0, listCode);
        Assert.Equal(string.Empty, list.Trim()); // no alerts: not a byte more
        Assert.Equal(0, retentionCode);
        var line = Assert.Single(Lines(retention));
        Assert.StartsWith("would minimise 0 closed alert(s)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_OnATerminal_ShowsASpinnerThenTheSameResult()
    {
        var command = $"dotnet {Path.Combine(AppContext.BaseDirectory, "alertpipeline.dll")} eval --file {Suite}";

        var (code, output) = await ReleaseProcess.RunAsync("script", ["-q", "-e", "-c", command, "/dev/null"], new Dictionary<string, string> { ["TERM"] = "xterm" });

        Assert.Equal(0, code);
        Assert.Contains("\u001b[", output, StringComparison.Ordinal); // drawn with escape codes
        Assert.Contains("eval benign-school.csv", output, StringComparison.Ordinal); // the spinner's text
        Assert.Contains("macro F1", output, StringComparison.Ordinal); // and then the result
    }

    private static Task<(int Code, string Output)> RunAsync(string[] args) =>
        ReleaseProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "alertpipeline.dll"), .. args]);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
