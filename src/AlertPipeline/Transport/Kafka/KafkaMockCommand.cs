using System.CommandLine;

namespace AlertPipeline.Transport.Kafka;

/// <summary>
/// <c>alertpipeline kafka-mock</c>: librdkafka's in-process mock Kafka cluster with AlertPipeline's topics, for
/// trying split roles on one machine without a broker. Not for production: nothing is written to disk.
/// </summary>
internal static class KafkaMockCommand
{
    public static Command Create() => CliCommand.Leaf("kafka-mock",
        "librdkafka's mock Kafka cluster with the topics, for trying split roles (not production)",
        [new("brokers", "how many brokers (default 3)", "N"), CliOption.Config],
        (args, io) => RunAsync(args, io.Output));

    private static async Task<int> RunAsync(CliArgs args, TextWriter output)
    {
        args.NoPositionals();
        var brokers = args.GetInt("brokers", 3, 1, 9);
        var configuration = PipelineConfiguration.Build(args.Get("config"), new Dictionary<string, string?>());
        var options = configuration.GetSection(KafkaOptions.Section).Get<KafkaOptions>() ?? new KafkaOptions();
        using var cluster = new MockKafkaCluster(brokers, options.LibrdkafkaPath);
        cluster.CreateTopics(options);
        await output.WriteLineAsync($"""
            mock Kafka cluster: {brokers} brokers at {cluster.BootstrapServers}
              topics {options.Topics.Events} ({options.EventPartitions} partitions), {options.Topics.Alerts}, {options.Topics.DeadLetters}
              use it with: Transport__Kind=kafka Kafka__BootstrapServers={cluster.BootstrapServers} alertpipeline serve --role ...
            Ctrl+C stops it (and forgets every record).
            """).ConfigureAwait(false);

        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped by the operator.
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        return 0;
    }
}
