using System.Globalization;
using System.Text.Json.Nodes;
using AlertPipeline.Hosting;
using AlertPipeline.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Events;

namespace AlertPipeline.Tests.Operations;

/// <summary>The log file's format (compact JSON, one event a line), request logging, and levels from appsettings.</summary>
public sealed class LoggingTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Log_HostServesARequest_FileIsCompactJsonWithTheRequestLineButNoQueryString()
    {
        await using (var host = await TestHost.StartAsync(dataDirectory: _dir.Path))
        {
            // A search the audit page would make: the query names a pupil, and must not reach the log.
            Assert.Equal(System.Net.HttpStatusCode.OK, (await host.Http.GetAsync("/sign-in?pupil=Zoe.Pupil&name=Smith%2C+John")).StatusCode);
        }

        var file = Assert.Single(Directory.GetFiles(Path.Combine(_dir.Path, "logs")));
        Assert.Matches(@"alertpipeline-\d{8}\.clef$", file);
        var lines = File.ReadAllLines(file);
        Assert.NotEmpty(lines);
        var events = lines.Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        foreach (var e in events)
        {
            // CLEF: @t (ISO 8601 UTC), @m (rendered message), @i (event type); @l only when not Information.
            Assert.True(DateTimeOffset.TryParse(e["@t"]!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.None, out _));
            Assert.False(string.IsNullOrEmpty(e["@m"]!.GetValue<string>()));
            Assert.NotNull(e["@i"]);
        }

        var request = Assert.Single(events, e => e["@m"]!.GetValue<string>().StartsWith("HTTP \"GET\" \"/sign-in\" responded 200", StringComparison.Ordinal));
        Assert.Equal("/sign-in", request["RequestPath"]!.GetValue<string>());
        Assert.Equal(200, request["StatusCode"]!.GetValue<int>());
        Assert.Equal("Serilog.AspNetCore.RequestLoggingMiddleware", request["SourceContext"]!.GetValue<string>());
        var text = string.Join('\n', lines);
        Assert.DoesNotContain("Zoe.Pupil", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Smith", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_LevelsInTheSerilogSection_DefaultAndOverrideApply()
    {
        var configuration = Configuration(
            ("Serilog:MinimumLevel:Default", "Warning"),
            ("Serilog:MinimumLevel:Override:AlertPipeline.Probe", "Debug"));

        var lines = Write(configuration, log =>
        {
            log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "AlertPipeline.Probe").Debug("probe detail {N}", 1);
            log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "AlertPipeline.Other").Information("other information");
            log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "AlertPipeline.Other").Warning("other warning");
        });

        Assert.Equal(["probe detail 1", "other warning"], lines.Select(l => l["@m"]!.GetValue<string>()));
        Assert.Equal(["Debug", "Warning"], lines.Select(l => l["@l"]!.GetValue<string>()));
    }

    [Fact]
    public void Log_NoSerilogSection_InformationAndAboveAsBefore()
    {
        var lines = Write(Configuration(), log =>
        {
            log.Debug("hidden");
            log.Information("shown");
        });

        Assert.Equal(["shown"], lines.Select(l => l["@m"]!.GetValue<string>()));
        Assert.Null(lines[0]["@l"]); // CLEF leaves Information implicit.
    }

    [Theory]
    [InlineData("Serilog:MinimumLevel:Default", "Loud")]
    [InlineData("Serilog:MinimumLevel", "Chatty")]
    [InlineData("Serilog:MinimumLevel:Override:Microsoft", "Warn")]
    public void Log_LevelThatIsNotALevel_RefusedNamingTheKeyAndValue(string key, string value)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => PipelineLogging.Create(_dir.Path, LogEventLevel.Warning, Configuration((key, value))));

        Assert.Contains($"{key} must be one of Verbose, Debug, Information, Warning, Error, Fatal (was '{value}')", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_BadLogLevelInConfiguration_RefusedBeforeAnythingRuns()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHost.StartAsync(
            new Dictionary<string, string?> { ["Serilog:MinimumLevel:Override:AlertPipeline"] = "Everything" }, dataDirectory: _dir.Path));

        Assert.Contains("Serilog:MinimumLevel:Override:AlertPipeline must be one of", ex.Message, StringComparison.Ordinal);
    }

    private List<JsonObject> Write(IConfiguration configuration, Action<Serilog.ILogger> write)
    {
        var logger = (Serilog.Core.Logger)PipelineLogging.Create(_dir.Path, LogEventLevel.Fatal, configuration);
        write(logger);
        logger.Dispose();
        var file = Assert.Single(Directory.GetFiles(Path.Combine(_dir.Path, "logs")));
        return [.. File.ReadAllLines(file).Select(l => JsonNode.Parse(l)!.AsObject())];
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
