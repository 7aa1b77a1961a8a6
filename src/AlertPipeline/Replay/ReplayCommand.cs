using System.CommandLine;
using System.Globalization;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Detection.Model;
using AlertPipeline.Model;
using AlertPipeline.Queue;
using AlertPipeline.Storage;
using AlertPipeline.Transport;
using AlertPipeline.Transport.Kafka;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Replay;

/// <summary>
/// <c>alertpipeline replay --since TIME [--lists DIR] [--model-bands "CATEGORY:SCORE=SEVERITY,…;…"]</c>: how a candidate
/// keyword-list version, or a proposed change of the model's score bands, would change alerts on the retained events, per
/// category and severity, before it goes live; and how many of the alerts it would silence DSLs had closed as false
/// positives or confirmed. Reads only; notifies nobody.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(Func<CliArgs, ServiceProvider> offlineServices) => CliCommand.Leaf("replay",
        "re-reads retained events (embedded queue or Kafka) through candidate keyword lists or model bands; reports alerts added/removed per category and severity, and the DSL outcomes of the alerts it would silence; notifies nobody",
        [new("since", "from this time (2026-11-01, 2026-11-01T08:00:00Z) or this many days back (7d)", "TIME|Nd"), CliOption.Lists,
         new("model-bands", "candidate model bands, e.g. \"suicide:0.97=urgent,0.9=high;...\"", "BANDS"), CliOption.DataDir, CliOption.Config],
        (args, io) => RunAsync(args, io.Output, offlineServices));

    private static async Task<int> RunAsync(CliArgs args, TextWriter output, Func<CliArgs, ServiceProvider> offlineServices)
    {
        args.NoPositionals();
        var sinceText = args.Get("since") ?? throw new CliException("replay needs --since (e.g. 2026-11-01 or 2026-11-01T08:00:00Z, or 7d for the last seven days)");
        var since = ParseSince(sinceText);
        var lists = args.Get("lists");
        var proposedBands = args.Get("model-bands");
        if (lists is null && proposedBands is null)
        {
            throw new CliException("replay needs --lists DIR (candidate keyword lists) or --model-bands \"suicide:0.97=urgent,0.90=high;…\" (proposed model thresholds), or both");
        }

        var configuration = PipelineConfiguration.Build(args.Get("config"), args.CommonOverrides());

        var detection = configuration.GetSection(DetectionOptions.Section).Get<DetectionOptions>() ?? new DetectionOptions();
        var dataDirectory = (configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions()).FullDataDirectory;
        var current = Detector.Compile(ListsInForce(args, configuration, detection, dataDirectory, offlineServices));
        var candidate = lists is null ? current : Detector.Compile(KeywordDirectory.Load(lists));

        // The model as configured on both sides; the candidate side with the proposed bands over the trust-wide ones.
        var modelOptions = configuration.GetSection(ModelOptions.Section).Get<ModelOptions>() ?? new ModelOptions();
        Func<string, ModelJudge?>? currentModel = null;
        Func<string, ModelJudge?>? candidateModel = null;
        if (modelOptions.Enabled)
        {
            var model = ModelArtefact.Load(modelOptions.Path);
            var proposed = Proposed(modelOptions, proposedBands);
            currentModel = school => new ModelJudge(model, modelOptions.PolicyFor(school));
            candidateModel = school => new ModelJudge(model, proposed.PolicyFor(school));
        }
        else if (proposedBands is not null)
        {
            throw new CliException("replay --model-bands: the model is off here (Model:Enabled is false), so its bands change nothing");
        }

        var outcomes = ReadOutcomes(args, configuration, dataDirectory, offlineServices);
        var replay = new ShadowReplay(new ReplaySide(current, Cached(currentModel)), new ReplaySide(candidate, Cached(candidateModel)),
            key => outcomes.GetValueOrDefault(key));

        await CliProgress.RunAsync(output, "replay", async step =>
        {
            void Add(ConsumedEvent consumed)
            {
                replay.Add(consumed);
                if (replay.Events % 5_000 == 0)
                {
                    step(string.Create(CultureInfo.InvariantCulture, $"{replay.Events:N0} events re-read"));
                }
            }

            if (TransportServices.Kind(configuration) == "kafka")
            {
                var kafka = configuration.GetSection(KafkaOptions.Section).Get<KafkaOptions>() ?? new KafkaOptions();
                Validate(new KafkaOptionsValidator().Validate(null, kafka));
                RetainedEvents.ReadKafka(kafka, since, Add);
            }
            else
            {
                var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
                var queue = configuration.GetSection(QueueOptions.Section).Get<QueueOptions>() ?? new QueueOptions();
                await RetainedEvents.ReadEmbeddedAsync(storage, queue, since, Add).ConfigureAwait(false);
            }

            return replay.Events;
        }).ConfigureAwait(false);

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"""
            replay of {replay.Events:N0} events accepted since {since:u} ({replay.Unreadable:N0} unreadable, skipped)
              current lists   {replay.CurrentVersion}: {replay.CurrentAlerts:N0} events alerted
              candidate lists {replay.CandidateVersion}{(proposedBands is null ? string.Empty : $" with model bands {proposedBands}")}: {replay.CandidateAlerts:N0} events alerted
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

        if (replay.SilencedByOutcome.Count > 0)
        {
            // What DSLs had decided about the events the candidate would no longer alert on at all.
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"events that would no longer alert, by the DSL's outcome: {string.Join(", ", replay.SilencedByOutcome.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value:N0}"))}")).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>
    /// The lists in force: on a trust, the latest version published to its database (ADR 0027), wherever replay runs;
    /// otherwise the data directory's copy once the pipeline has run there, else the seed.
    /// </summary>
    private static KeywordSet ListsInForce(CliArgs args, IConfiguration configuration, DetectionOptions detection, string dataDirectory,
        Func<CliArgs, ServiceProvider> offlineServices)
    {
        if ((configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions()).IsPostgres)
        {
            using var services = offlineServices(args);
            if (services.GetRequiredService<KeywordVersionStore>().Latest() is { } version
                && services.GetRequiredService<KeywordSnapshots>().Load(version) is { } files)
            {
                return KeywordSetParser.Parse(files);
            }
        }

        return KeywordDirectory.Load(Directory.Exists(Path.Combine(dataDirectory, KeywordDirectory.DataFolder))
            ? KeywordDirectory.ResolveEditable(detection.KeywordsDirectory, dataDirectory) ?? detection.KeywordsDirectory
            : detection.KeywordsDirectory);
    }

    /// <summary>
    /// The DSLs' outcomes from the alert store in force: the trust's PostgreSQL when <c>Storage:Provider</c> says so
    /// (where the local data directory holds no alerts), else the data directory's <c>alerts.db</c>. A data directory
    /// where the pipeline never stored an alert has no outcomes; replay does not create a store there.
    /// </summary>
    private static IReadOnlyDictionary<Events.EventKey, string> ReadOutcomes(CliArgs args, IConfiguration configuration, string dataDirectory,
        Func<CliArgs, ServiceProvider> offlineServices)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (!storage.IsPostgres && !Alerts.AlertStore.Exists(storage))
        {
            return new Dictionary<Events.EventKey, string>();
        }

        using var services = offlineServices(args);
        return AlertOutcomes.Read(Alerts.AlertServices.RequireStore(services, "replay"));
    }

    /// <summary>The configured model options with <c>--model-bands</c> ("suicide:0.97=urgent,0.9=high;bullying:0.95=low") over the trust-wide bands.</summary>
    internal static ModelOptions Proposed(ModelOptions configured, string? text)
    {
        var proposed = new ModelOptions { Enabled = configured.Enabled, Path = configured.Path, RaiseRules = configured.RaiseRules, Schools = configured.Schools };
        foreach (var (category, bands) in configured.Bands)
        {
            proposed.Bands[category] = bands;
        }

        foreach (var part in (text ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            var category = colon > 0 ? part[..colon].Trim() : string.Empty;
            if (!TrainingCorpus.Heads.Contains(category, StringComparer.Ordinal))
            {
                throw new CliException($"replay --model-bands: '{part}' must be CATEGORY:SCORE=SEVERITY,… with a category of the model ({string.Join(", ", TrainingCorpus.Heads)})");
            }

            try
            {
                ModelOptions.ParseBands(part[(colon + 1)..], $"--model-bands {category}");
            }
            catch (FormatException ex)
            {
                throw new CliException("replay " + ex.Message);
            }

            proposed.Bands[category] = part[(colon + 1)..];
        }

        return proposed;
    }

    private static Func<string, ModelJudge?>? Cached(Func<string, ModelJudge?>? create)
    {
        if (create is null)
        {
            return null;
        }

        var judges = new Dictionary<string, ModelJudge?>(StringComparer.Ordinal);
        return school => judges.TryGetValue(school, out var judge) ? judge : judges[school] = create(school);
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
