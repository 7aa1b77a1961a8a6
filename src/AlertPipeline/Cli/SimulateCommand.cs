using AlertPipeline.Hosting;
using AlertPipeline.Simulator;
using Serilog.Extensions.Logging;

namespace AlertPipeline.Cli;

/// <summary><c>alertpipeline simulate</c>: the device-agent simulator alone, against a running host's ingest API.</summary>
internal static class SimulateCommand
{
    public static async Task<int> RunAsync(string[] rest, TextWriter output)
    {
        var args = CliArgs.Parse("simulate", rest, ["url", "api-key", "duration", "count", .. SimulatorArgs.Names]);
        args.NoPositionals();
        var url = args.Get("url") ?? throw new CliException("simulate: --url is required (the host's base URL, e.g. http://127.0.0.1:5080)");
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
        {
            throw new CliException($"simulate: --url must be an absolute http(s) URL (was '{url}')");
        }

        var options = SimulatorArgs.Apply(args, new SimulatorOptions
        {
            ApiKey = args.Get("api-key") ?? throw new CliException("simulate: --api-key is required (create one with 'alertpipeline keys add --school *')"),
            TargetBaseUrl = baseUrl,
            Duration = args.GetDuration("duration"),
        }, defaultRate: 50);
        if (args.Get("count") is not null)
        {
            options.MaxEvents = args.GetInt("count", 0, 1, int.MaxValue);
        }

        using var loggers = new SerilogLoggerFactory(PipelineLogging.Create(null, Serilog.Events.LogEventLevel.Warning), dispose: true);
        using var http = new HttpClient { BaseAddress = baseUrl };
        var runner = SimulatorRunner.Create(http, options, TimeProvider.System, loggers);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        await output.WriteLineAsync($"simulate: run {runner.RunId} -> {baseUrl}api/v1/events at {options.EventsPerSecond} events/s (Ctrl+C stops)").ConfigureAwait(false);
        var run = runner.RunAsync(stop.Token);
        while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false) != run)
        {
            await output.WriteLineAsync(runner.Snapshot().ToString()).ConfigureAwait(false);
        }

        var stats = await run.ConfigureAwait(false);
        await output.WriteLineAsync(stats.ToString()).ConfigureAwait(false);
        return stats.FailedBatches == 0 ? 0 : 1;
    }
}
