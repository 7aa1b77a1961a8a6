using System.Text.Json.Nodes;
using AlertPipeline.Cli;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Cli;

/// <summary>
/// Tests that set process-wide environment variables (configuration overrides such as <c>Queue__Capacity=5</c>) run
/// alone: a host started by another class meanwhile would read them and fail its own validation.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "process environment";
}

[Collection(EnvironmentCollection.Name)]
public sealed class CliTests
{
    [Theory]
    [InlineData(new[] { "nonsense" }, "unknown command 'nonsense'")]
    [InlineData(new[] { "demo", "--durration", "30s" }, "demo: unknown option --durration")]
    [InlineData(new[] { "demo", "--duration", "soon" }, "--duration must be a duration such as 30s")]
    [InlineData(new[] { "demo", "--port" }, "--port needs a value")]
    [InlineData(new[] { "demo", "--port", "99999" }, "--port must be a whole number from 0 to 65535 (was '99999')")]
    [InlineData(new[] { "alerts", "list", "--format", "xml" }, "--format must be one of table, json (was 'xml')")]
    [InlineData(new[] { "alerts", "list", "--min-severity", "severe" }, "--min-severity must be one of low, medium, high, urgent, critical (was 'severe')")]
    [InlineData(new[] { "keys", "add" }, "--school is required")]
    [InlineData(new[] { "serve", "--role", "everything" }, "--role must be one of all, ingest, detect, respond (was 'everything')")]
    [InlineData(new[] { "simulate", "--url", "ftp://x", "--api-key", "k" }, "--url must be an absolute http(s) URL")]
    public async Task Run_BadArguments_PrintsOneLineNamingTheProblemAndExits2(string[] args, string expected)
    {
        var (code, output, error) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_InvalidConfiguration_PrintsEachBadKeyAndExits2()
    {
        using var dir = new TempDirectory();
        var (code, _, error) = await RunAsync(["serve", "--data-dir", dir.Path, "--urls", "http://127.0.0.1:0"],
            ("Notifications__MinimumSeverity", "loud"), ("Queue__Capacity", "5"));

        Assert.Equal(2, code);
        Assert.Contains("error: configuration: Notifications:MinimumSeverity must be one of low, medium, high, urgent, critical (was 'loud').", error, StringComparison.Ordinal);
        Assert.Contains("error: configuration: Queue:Capacity must be between 1000 and 1000000000 (was 5).", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public async Task AlertsList_NoStore_SaysSoAndExits2()
    {
        using var dir = new TempDirectory();
        var (code, _, error) = await RunAsync(["alerts", "list", "--data-dir", dir.Path]);

        Assert.Equal(2, code);
        Assert.Contains("no alert store in", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertsListJson_AfterPipelineRun_PrintsOneObjectPerAlertWithContractFields()
    {
        await using var host = await TestHost.StartAsync();
        host.UseKey();
        var e = Some.ConcerningEvent();
        e["screenshotRef"] = "sha256:" + new string('c', 64);
        await host.PostEventsAsync(e, Some.Event("i want to die tonight", userLogin: "oak.y9.other"));
        await Eventually.TrueAsync(() => host.Alerts.Count() == 2, "two alerts");

        var (code, output, _) = await RunAsync(["alerts", "list", "--data-dir", host.DataDirectory, "--format", "json"]);

        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var first = JsonNode.Parse(lines.Single(l => l.Contains(e["eventId"]!.GetValue<string>(), StringComparison.Ordinal)))!.AsObject();
        foreach (var field in new[] { "alertId", "eventId", "userLogin", "schoolId", "occurredAt", "categories", "severity", "status", "screenshotRef" })
        {
            Assert.True(first.ContainsKey(field), $"missing {field}");
        }

        Assert.Equal("sha256:" + new string('c', 64), first["screenshotRef"]!.GetValue<string>());
        Assert.Equal("new", first["status"]!.GetValue<string>());
        Assert.Contains("suicide", first["categories"]!.AsArray().Select(c => c!.GetValue<string>()));
    }

    [Fact]
    public async Task Scan_PlainLines_WritesOneResultPerLineWithOriginalOffsets()
    {
        var input = "revision for my chemistry test\nI reallly want to d1e\n";
        var (code, output, _) = await RunAsync(["scan", "--lists", SeedLists()], input: input);

        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(1, lines[0]["line"]!.GetValue<int>());
        Assert.False(lines[0]["flagged"]!.GetValue<bool>());
        Assert.True(lines[1]["flagged"]!.GetValue<bool>());
        Assert.Contains("suicide", lines[1]["categories"]!.AsArray().Select(c => c!.GetValue<string>()));
        var match = lines[1]["matches"]!.AsArray().First()!;
        var text = "I reallly want to d1e";
        Assert.EndsWith("d1e", text.Substring(match["start"]!.GetValue<int>(), match["length"]!.GetValue<int>()), StringComparison.Ordinal);
    }

    internal static string SeedLists() => Path.Combine(AppContext.BaseDirectory, "seeds", "keywords");

    internal static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, params (string Key, string Value)[] environment) =>
        await RunAsync(args, null, environment);

    internal static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, string? input, params (string Key, string Value)[] environment)
    {
        foreach (var (key, value) in environment)
        {
            Environment.SetEnvironmentVariable(key, value);
        }

        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = await CliApp.RunAsync(args, new StringReader(input ?? string.Empty), output, error);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            foreach (var (key, _) in environment)
            {
                Environment.SetEnvironmentVariable(key, null);
            }
        }
    }
}
