using System.CommandLine;
using AlertPipeline.Transport.Kafka;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Simulator;

/// <summary><c>alertpipeline simulate</c>: the device-agent simulator alone, against a running host's ingest API.</summary>
internal static class SimulateCommand
{
    /// <param name="warningsLogger">Warnings and worse to the console and the command log, as the host logs them (given by the root, which owns the logging set-up).</param>
    public static Command Create(Func<ILoggerFactory> warningsLogger) => CliCommand.Leaf("simulate",
        "the device-agent simulator alone, against a running host (--url and --api-key) or straight to Kafka (--kafka)",
        [new("url", "the host's base URL, e.g. http://127.0.0.1:5080", "URL"), new("api-key", "a trust-wide key ('keys add --school *')", "KEY"),
         new("kafka", "produce to this Kafka bootstrap instead of the ingest API", "BOOTSTRAP"), CliOption.Config,
         new("duration", "stop after this long (e.g. 30s)", "DURATION"), new("count", "stop after this many events", "N"), .. SimulatorArgs.Options],
        (args, io) => RunAsync(args, io.Output, warningsLogger));

    private static async Task<int> RunAsync(CliArgs args, TextWriter output, Func<ILoggerFactory> warningsLogger)
    {
        args.NoPositionals();
        if (args.Get("kafka") is { } bootstrap)
        {
            return await RunOnKafkaAsync(args, bootstrap, output, warningsLogger).ConfigureAwait(false);
        }

        var url = args.Get("url") ?? throw new CliException("simulate: --url is required (the host's base URL, e.g. http://127.0.0.1:5080), or --kafka BOOTSTRAP");
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

        using var loggers = warningsLogger();
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
        return await ReportAsync(runner, run, output).ConfigureAwait(false);
    }

    /// <summary>Straight to the device-events topic, as a trust's relay would: no ingest API, no key, no screenshots.</summary>
    private static async Task<int> RunOnKafkaAsync(CliArgs args, string bootstrap, TextWriter output, Func<ILoggerFactory> warningsLogger)
    {
        var configuration = PipelineConfiguration.Build(args.Get("config"), new Dictionary<string, string?> { ["Kafka:BootstrapServers"] = bootstrap });
        var kafka = configuration.GetSection(KafkaOptions.Section).Get<KafkaOptions>() ?? new KafkaOptions();
        kafka.BootstrapServers = bootstrap;
        var check = new KafkaOptionsValidator().Validate(null, kafka);
        if (check.Failed)
        {
            throw new OptionsValidationException(KafkaOptions.Section, typeof(KafkaOptions), check.Failures);
        }

        var options = SimulatorArgs.Apply(args, new SimulatorOptions { Sink = "kafka", Screenshots = false, Duration = args.GetDuration("duration") }, defaultRate: 50);
        if (args.Get("count") is not null)
        {
            options.MaxEvents = args.GetInt("count", 0, 1, int.MaxValue);
        }

        using var loggers = warningsLogger();
        using var producer = new KafkaProducer(Microsoft.Extensions.Options.Options.Create(kafka), TimeProvider.System, loggers.CreateLogger<KafkaProducer>());
        var sink = new KafkaEventSink(new KafkaEventPublisher(producer, Microsoft.Extensions.Options.Options.Create(kafka), TimeProvider.System));
        var runner = SimulatorRunner.Create(sink, options, TimeProvider.System, loggers);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        await output.WriteLineAsync($"simulate: run {runner.RunId} -> Kafka {bootstrap} topic {kafka.Topics.Events} at {options.EventsPerSecond} events/s (Ctrl+C stops)").ConfigureAwait(false);
        return await ReportAsync(runner, runner.RunAsync(stop.Token), output).ConfigureAwait(false);
    }

    private static async Task<int> ReportAsync(SimulatorRunner runner, Task<SimulatorStats> run, TextWriter output)
    {
        if (CliProgress.Shows(output))
        {
            // On a terminal: one live line, refreshed every second, instead of a new line every 5 s.
            var final = await CliProgress.RunAsync(output, "simulate", async step =>
            {
                while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false) != run)
                {
                    step(runner.Snapshot().ToString());
                }

                return await run.ConfigureAwait(false);
            }).ConfigureAwait(false);
            await output.WriteLineAsync(final.ToString()).ConfigureAwait(false);
            return final.FailedBatches == 0 ? 0 : 1;
        }

        while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false) != run)
        {
            await output.WriteLineAsync(runner.Snapshot().ToString()).ConfigureAwait(false);
        }

        var stats = await run.ConfigureAwait(false);
        await output.WriteLineAsync(stats.ToString()).ConfigureAwait(false);
        return stats.FailedBatches == 0 ? 0 : 1;
    }
}
