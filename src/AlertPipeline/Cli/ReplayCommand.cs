using System.Globalization;
using AlertPipeline.Detection;
using AlertPipeline.Hosting;
using AlertPipeline.Queue;
using AlertPipeline.Replay;
using AlertPipeline.Storage;
using AlertPipeline.Transport;
using AlertPipeline.Transport.Kafka;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Cli;

/// <summary>
/// <c>alertpipeline replay --since TIME --lists DIR</c>: how a candidate keyword-list version would change alerts on
/// the retained events, per category and severity, before it goes live. Reads only; notifies nobody.
/// </summary>
internal static class ReplayCommand
{
    public static async Task<int> RunAsync(string[] rest, TextWriter output)
    {
        var args = CliArgs.Parse("replay", rest, ["since", "lists", "data-dir", "config"]);
        args.NoPositionals();
        var sinceText = args.Get("since") ?? throw new CliException("replay needs --since (e.g. 2026-11-01 or 2026-11-01T08:00:00Z, or 7d for the last seven days)");
        var since = ParseSince(sinceText);
        var lists = args.Get("lists") ?? throw new CliException("replay needs --lists DIR: the candidate keyword-list directory");
        var configuration = PipelineConfiguration.Build(args.Get("config"), CliApp.CommonOverrides(args));

        var detection = configuration.GetSection(DetectionOptions.Section).Get<DetectionOptions>() ?? new DetectionOptions();
        var dataDirectory = (configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions()).FullDataDirectory;
        // The lists in force: the data directory's copy once the pipeline has run there, else the seed.
        var current = Detector.Compile(KeywordDirectory.Load(
            Directory.Exists(Path.Combine(dataDirectory, KeywordDirectory.DataFolder)) ? KeywordDirectory.ResolveEditable(detection.KeywordsDirectory, dataDirectory) ?? detection.KeywordsDirectory : detection.KeywordsDirectory));
        var candidate = Detector.Compile(KeywordDirectory.Load(lists));
        var replay = new ShadowReplay(current, candidate);

        if (TransportServices.Kind(configuration) == "kafka")
        {
            var kafka = configuration.GetSection(KafkaOptions.Section).Get<KafkaOptions>() ?? new KafkaOptions();
            Validate(new KafkaOptionsValidator().Validate(null, kafka));
            RetainedEvents.ReadKafka(kafka, since, replay.Add);
        }
        else
        {
            var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
            var queue = configuration.GetSection(QueueOptions.Section).Get<QueueOptions>() ?? new QueueOptions();
            await RetainedEvents.ReadEmbeddedAsync(storage, queue, since, replay.Add).ConfigureAwait(false);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"""
            replay of {replay.Events:N0} events accepted since {since:u} ({replay.Unreadable:N0} unreadable, skipped)
              current lists   {replay.CurrentVersion}: {replay.CurrentAlerts:N0} events alerted
              candidate lists {replay.CandidateVersion}: {replay.CandidateAlerts:N0} events alerted
            """)).ConfigureAwait(false);
        var changes = replay.Changes.ToList();
        if (changes.Count == 0)
        {
            await output.WriteLineAsync("no change: the candidate alerts on exactly the same events, categories and severities").ConfigureAwait(false);
            return 0;
        }

        await output.WriteLineAsync($"{"severity",-10}{"category",-28}{"added",8}{"removed",9}").ConfigureAwait(false);
        foreach (var (category, severity, added, removed) in changes)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{severity.ToName(),-10}{category,-28}{added,8:+#,0;-#,0;0}{removed,9:-#,0;#,0;0}")).ConfigureAwait(false);
        }

        return 0;
    }

    private static DateTimeOffset ParseSince(string text)
    {
        if (text.EndsWith('d') && int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var days))
        {
            return TimeProvider.System.GetUtcNow().AddDays(-days);
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : throw new CliException($"--since must be a date, a date-time or Nd (was '{text}')");
    }

    private static void Validate(ValidateOptionsResult result)
    {
        if (result.Failed)
        {
            throw new OptionsValidationException(KafkaOptions.Section, typeof(KafkaOptions), result.Failures);
        }
    }
}
