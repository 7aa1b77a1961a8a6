using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AlertPipeline.Cli;
using AlertPipeline.Queue;
using AlertPipeline.Storage;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Detection;

/// <summary>
/// <c>alertpipeline deadletters list|replay|drop</c>: the events detection could not process (embedded transport;
/// under Kafka they are the dead-letter topic, see docs/delivery.md). Replay moves the event to the end of the
/// queue, so a running host judges it again (after a fix); drop forgets the dead letter.
/// </summary>
internal static class DeadLettersCommand
{
    public static Command Create(Func<CliArgs, ServiceProvider> offlineServices)
    {
        CliOption[] store = [CliOption.DataDir, CliOption.Config];
        var ids = new CliPositional("ID", "dead letter ids (PARTITION:POSITION, from 'deadletters list')");
        return CliCommand.Group("deadletters", "events detection could not process, with the reason (embedded transport)",
            CliCommand.Leaf("list", "the dead letters, newest first",
                [.. store, CliOption.Choice("format", "the output", "table", "json"), new("limit", "at most this many (default 1000)", "N")], (args, io) => Run(args, io.Output, offlineServices)),
            CliCommand.Leaf("replay", "queue them again (after a fix)", [.. store, CliOption.Flag("all", "every dead letter")], (args, io) => Run(args, io.Output, offlineServices), ids),
            CliCommand.Leaf("drop", "forget them", [.. store, CliOption.Flag("all", "every dead letter")], (args, io) => Run(args, io.Output, offlineServices), ids));
    }

    private static int Run(CliArgs args, TextWriter output, Func<CliArgs, ServiceProvider> offlineServices)
    {
        var sub = args.Command["deadletters ".Length..];
        using var services = offlineServices(args);
        var data = Storage.StorageServices.DataDirectory(services);
        if (!File.Exists(Path.Combine(data, "alerts.db")))
        {
            throw new CliException($"deadletters: no alert store in '{data}' (run 'alertpipeline serve' with this --data-dir first)");
        }

        var deadLetters = services.GetRequiredService<DeadLetters>();
        switch (sub)
        {
            case "list":
            {
                args.NoPositionals();
                var json = args.Choice("format", "table", "table", "json") == "json";
                var list = deadLetters.List(args.GetInt("limit", 1_000, 1, 1_000_000));
                foreach (var d in list)
                {
                    output.WriteLine(json
                        ? JsonSerializer.Serialize(new { id = d.Id, eventId = d.EventId, reason = d.Reason, at = d.At, payloadBytes = d.PayloadBytes, truncated = d.Truncated, sha256 = d.Sha256 })
                        : string.Create(CultureInfo.InvariantCulture, $"{d.Id,-12}  {d.At:yyyy-MM-dd HH:mm:ss}  {d.EventId ?? "-",-36}  {d.PayloadBytes,8} B{(d.Truncated ? " (cut)" : "")}  {d.Reason}"));
                }

                if (!json)
                {
                    output.WriteLine($"{list.Count} dead letter(s) in {data}");
                }

                return 0;
            }

            case "replay":
            case "drop":
            {
                var ids = Targets(args, deadLetters, sub);
                using var queue = sub == "replay" ? OpenQueue(services) : null;
                var done = 0;
                foreach (var (partition, position) in ids)
                {
                    if (sub == "drop")
                    {
                        done += deadLetters.Drop(partition, position) ? 1 : 0;
                        continue;
                    }

                    if (partition != 0)
                    {
                        throw new CliException($"deadletters replay: {partition}:{position} came from Kafka; re-produce it from the dead-letter topic (docs/delivery.md)");
                    }

                    try
                    {
                        var newSeq = queue!.Queue.Requeue(position, deadLetters.Payload(partition, position));
                        deadLetters.Drop(partition, position);
                        output.WriteLine($"{partition}:{position} queued again at position {newSeq}");
                        done++;
                    }
                    catch (InvalidOperationException ex)
                    {
                        output.WriteLine($"{partition}:{position} not replayed: {ex.Message}");
                    }
                }

                output.WriteLine($"{(sub == "drop" ? "dropped" : "replayed")} {done} of {ids.Count} dead letter(s)");
                return done == ids.Count ? 0 : 1;
            }

            default:
                throw new InvalidOperationException($"deadletters {sub} is declared in Create but has no case here");
        }
    }

    private static List<(int Partition, long Position)> Targets(CliArgs args, DeadLetters deadLetters, string sub)
    {
        if (args.Flag("all"))
        {
            args.NoPositionals();
            return deadLetters.List(int.MaxValue).Select(d => (d.Partition, d.Position)).ToList();
        }

        if (args.Positionals.Count == 0)
        {
            throw new CliException($"deadletters {sub}: name dead letters by id (PARTITION:POSITION, from 'deadletters list') or --all");
        }

        return args.Positionals.Select(id =>
        {
            var parts = id.Split(':');
            return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var p) && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var o)
                ? (p, o)
                : throw new CliException($"deadletters {sub}: '{id}' is not a dead letter id (PARTITION:POSITION, e.g. 0:1234)");
        }).ToList();
    }

    private static QueueHandle OpenQueue(ServiceProvider services)
    {
        var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        var path = Path.Combine(storage.FullDataDirectory, "queue.db");
        if (!File.Exists(path))
        {
            throw new CliException($"deadletters replay: no embedded queue at '{path}'");
        }

        return new QueueHandle(new SqliteEventQueue(new SqliteDatabase(path, storage.Synchronous), Options.Create(new QueueOptions()),
            TimeProvider.System, services.GetRequiredService<ILogger<SqliteEventQueue>>()));
    }

    private sealed class QueueHandle(SqliteEventQueue queue) : IDisposable
    {
        public SqliteEventQueue Queue { get; } = queue;

        public void Dispose() => Queue.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
