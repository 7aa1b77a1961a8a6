using AlertPipeline.Simulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Simulator;

public sealed class SimulatorOptionsTests
{
    private static IReadOnlyList<string> Failures(Action<SimulatorOptions> change) =>
        new SimulatorOptionsValidator().Validate(null, Some.Options(change)).Failures?.ToList() ?? [];

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        Assert.Empty(Failures(_ => { }));
    }

    [Theory]
    [InlineData(0, "Simulator:EventsPerSecond must be between 1 and 1000000 (was 0)")]
    [InlineData(2_000_000, "Simulator:EventsPerSecond must be between 1 and 1000000 (was 2000000)")]
    [InlineData(double.NaN, "Simulator:EventsPerSecond must be between 1 and 1000000 (was NaN)")]
    public void Validate_EventsPerSecondOutOfRange_NamesKeyAndValue(double value, string expected)
    {
        Assert.Equal([expected], Failures(o => o.EventsPerSecond = value));
    }

    [Fact]
    public void Validate_ConcerningShareAboveOne_NamesKeyAndValue()
    {
        Assert.Equal(["Simulator:ConcerningShare must be between 0 and 1 (was 1.5)"], Failures(o => o.ConcerningShare = 1.5));
    }

    [Fact]
    public void Validate_BatchSizeOverContractLimit_NamesKeyAndValue()
    {
        Assert.Equal(["Simulator:BatchSize must be between 1 and 5000 (was 5001)"], Failures(o => o.BatchSize = 5001));
    }

    [Fact]
    public void Validate_BadSchoolId_NamesIndexAndValue()
    {
        Assert.Equal(
            ["Simulator:SchoolIds:1 must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-' (was 'oak field')"],
            Failures(o => { o.SchoolIds.Add("riverside"); o.SchoolIds.Add("oak field"); }));
    }

    [Fact]
    public void Validate_NoKeyForASchool_NamesTheSchool()
    {
        Assert.Equal(
            ["Simulator:ApiKey (or Simulator:ApiKeys:<school>) is required; no key for 'riverside'"],
            Failures(o =>
            {
                o.ApiKey = null;
                o.SchoolIds.Add("oakfield");
                o.SchoolIds.Add("riverside");
                o.ApiKeys["oakfield"] = "k1";
            }));
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEach()
    {
        var failures = Failures(o =>
        {
            o.PupilsPerSchool = 0;
            o.Duration = TimeSpan.Zero;
            o.MaxEvents = 0;
            o.TargetBaseUrl = new Uri("/relative", UriKind.Relative);
        });

        Assert.Equal(
            [
                "Simulator:PupilsPerSchool must be between 1 and 100000 (was 0)",
                "Simulator:Duration must be positive (was 00:00:00)",
                "Simulator:MaxEvents must be at least 1 (was 0)",
                "Simulator:TargetBaseUrl must be an absolute http or https URL (was '/relative')",
            ],
            failures);
    }

    [Fact]
    public void AddSimulator_Configuration_BindsEverySetting()
    {
        using var provider = Services(new()
        {
            ["Simulator:SchoolIds:0"] = "oakfield",
            ["Simulator:SchoolIds:1"] = "riverside",
            ["Simulator:ApiKeys:oakfield"] = "key-oak",
            ["Simulator:ApiKey"] = "key-default",
            ["Simulator:EventsPerSecond"] = "250.5",
            ["Simulator:Duration"] = "00:02:00",
            ["Simulator:MaxEvents"] = "10000",
            ["Simulator:TargetBaseUrl"] = "http://localhost:5080",
        });

        var options = provider.GetRequiredService<IOptions<SimulatorOptions>>().Value;

        Assert.Equal(["oakfield", "riverside"], options.ResolveSchoolIds());
        Assert.Equal(("key-oak", "key-default"), (options.ApiKeyFor("oakfield"), options.ApiKeyFor("riverside")));
        Assert.Equal((250.5, TimeSpan.FromMinutes(2), 10_000L), (options.EventsPerSecond, options.Duration!.Value, options.MaxEvents!.Value));
        Assert.Equal(new Uri("http://localhost:5080"), options.TargetBaseUrl);
    }

    [Fact]
    public void AddSimulator_ValidConfiguration_ResolvesRunnerWithHttpSinkAtTarget()
    {
        using var provider = Services(new() { ["Simulator:ApiKey"] = "k", ["Simulator:TargetBaseUrl"] = "http://localhost:5080/ingest" });

        Assert.NotNull(provider.GetRequiredService<SimulatorRunner>());
        Assert.IsType<IngestClient>(provider.GetRequiredService<IEventSink>());
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(IngestClient.HttpClientName);
        Assert.Equal(new Uri("http://localhost:5080/ingest/"), http.BaseAddress);
    }

    [Fact]
    public async Task AddSimulator_InvalidConfiguration_FailsHostStartWithOneClearLine()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Simulator:ApiKey"] = "k",
            ["Simulator:EventsPerSecond"] = "0",
        });
        builder.Services.AddSimulator(builder.Configuration);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(["Simulator:EventsPerSecond must be between 1 and 1000000 (was 0)"], error.Failures);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddSimulator(configuration).BuildServiceProvider();
    }
}
