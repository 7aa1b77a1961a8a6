using System.CommandLine;
using System.Globalization;
using AlertPipeline.Alerts;
using AlertPipeline.Audit;
using AlertPipeline.Cli;
using AlertPipeline.Detection.Model;
using Microsoft.Extensions.DependencyInjection;

namespace AlertPipeline.Model;

/// <summary>
/// <c>alertpipeline model train</c>: trains the risk model on the labelled files and writes the artefact
/// (<c>seeds/models/risk-model.bin</c>); <c>model info</c>: what an artefact holds.
/// </summary>
internal static class ModelCommand
{
    public const string DefaultTraining = "../shared/training";
    public const string DefaultArtefact = "seeds/models/risk-model.bin";

    public static Command Create(Func<CliArgs, ServiceProvider> offlineServices) => CliCommand.Group("model", "the risk model",
        CliCommand.Leaf("train", $"train the risk model ({DefaultArtefact}); --outcomes adds DSL outcomes",
            [new("training", $"the labelled training files (default: {DefaultTraining})", "DIR"), new("out", $"the artefact to write (default: {DefaultArtefact})", "FILE"),
             new("outcomes", "DSL outcomes from 'model outcomes', learned too", "FILE.csv"), new("sample", "at most N texts per source", "N"),
             new("seed", "the random seed", "N"), new("bits", "hash buckets as a power of two (12 to 22)", "N"), new("l1", "L1 regularisation", "X"),
             new("l2", "L2 regularisation", "X"), new("iterations", "training iterations", "N"), CliOption.Flag("all", "learn the held-out parts too")],
            (args, io) => Train(args, io.Output)),
        CliCommand.Leaf("info", "what an artefact holds; with TEXT arguments, their scores",
            [new("model", $"the artefact (default: {DefaultArtefact})", "FILE")], (args, io) => Info(args, io.Output), new CliPositional("TEXT", "texts to score")),
        CliCommand.Leaf("outcomes", "closed alerts as labelled data: concern (confirmed, referred) or false-positive",
            [new("out", "the CSV to write", "FILE.csv"), new("since", "closed on or after this date", "DATE"), new("by", "who exports (audited)", "USER"), CliOption.DataDir, CliOption.Config],
            (args, io) => Outcomes(args, io.Output, offlineServices)));

    private static int Train(CliArgs args, TextWriter output)
    {
        args.NoPositionals();
        var training = args.Get("training") ?? DefaultTraining;
        var outPath = args.Get("out") ?? DefaultArtefact;
        var defaults = new TrainingSettings();
        var settings = new TrainingSettings(
            BucketBits: args.GetInt("bits", defaults.BucketBits, 12, 22),
            L2: (float)args.GetDouble("l2", defaults.L2, 0, 10),
            L1: (float)args.GetDouble("l1", defaults.L1, 0, 10),
            Iterations: args.GetInt("iterations", defaults.Iterations, 1, 1000),
            Seed: args.GetInt("seed", defaults.Seed, 0, int.MaxValue));
        var sample = args.GetInt("sample", 0, 0, 10_000_000);
        var corpus = CliProgress.Run(output, "model train", step =>
        {
            step($"reading {training}");
            return TrainingCorpus.Load(training, davidsonFile: null);
        });
        var texts = args.Flag("all") ? corpus : corpus.Where(t => !t.HeldOut).ToList();
        if (sample > 0)
        {
            texts = Sample(texts, sample, settings.Seed);
        }

        // DSLs' decisions on real alerts (model outcomes): every one is kept, sampled or not; they are few and the
        // closest data there is to what pupils write.
        if (args.Get("outcomes") is { } outcomes)
        {
            texts = [.. texts, .. DslOutcomes.ReadForTraining(outcomes)];
        }

        var description = string.Create(CultureInfo.InvariantCulture,
            $"L-BFGS logistic regression per category (ML.NET 6.0.0), {texts.Count} texts from {string.Join(", ", texts.Select(t => t.Source).Distinct())}; "
            + $"held-out parts {(args.Flag("all") ? "included" : "excluded")}; seed {settings.Seed}, 2^{settings.BucketBits} buckets, L2 {settings.L2}, L1 {settings.L1}, {settings.Iterations} iterations");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model train: {texts.Count} texts, {TrainingCorpus.Heads.Length} categories"));
        var result = CliProgress.Run(output, "model train", step =>
        {
            step($"training {TrainingCorpus.Heads.Length} categories on {texts.Count} texts");
            return ModelTrainer.Train(texts, settings, description);
        });
        foreach (var line in result.Log)
        {
            output.WriteLine("  " + line);
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        using (var file = File.Create(outPath))
        {
            result.Model.Write(file);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {outPath} ({new FileInfo(outPath).Length / 1024} KB) in {result.Elapsed.TotalSeconds:0.0} s; largest difference from ML.NET's own probabilities {result.MaxParityError:0.0000}"));
        return 0;
    }

    private static int Info(CliArgs args, TextWriter output)
    {
        var model = ModelArtefact.Load(args.Get("model") ?? DefaultArtefact);
        output.WriteLine($"categories: {string.Join(", ", model.Categories)}");
        output.WriteLine($"trained:    {model.Description}");
        var scores = new float[model.Categories.Count];
        foreach (var text in args.Positionals)
        {
            model.Score(text, scores);
            output.WriteLine($"{text}");
            for (var h = 0; h < scores.Length; h++)
            {
                var phrases = model.StrongestPhrases(text, model.Categories[h]);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {model.Categories[h],-20} {scores[h]:0.000}  {string.Join(", ", phrases.Select(p => $"'{p.Text}' {p.Weight:0.00}"))}"));
            }
        }
        return 0;
    }

    /// <summary>
    /// <c>model outcomes --out FILE.csv [--since DATE]</c>: DSL outcomes as labelled data for <c>model train --outcomes</c>.
    /// The file holds alert texts, so writing it is audited like an export.
    /// </summary>
    private static int Outcomes(CliArgs args, TextWriter output, Func<CliArgs, ServiceProvider> offlineServices)
    {
        args.NoPositionals();
        var outPath = args.Get("out") ?? throw new CliException("model outcomes: --out FILE.csv is required");
        DateTimeOffset? since = null;
        if (args.Get("since") is { } sinceText)
        {
            since = DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at
                : throw new CliException($"model outcomes: --since must be a date or a date-time (was '{sinceText}')");
        }

        using var services = offlineServices(args);
        var rows = DslOutcomes.Read(AlertServices.RequireStore(services, "model outcomes"), since);
        using (var writer = new StreamWriter(outPath))
        {
            DslOutcomes.Write(rows, writer);
        }

        var by = args.Get("by");
        services.GetRequiredService<AuditLog>().Append(CliActor.Name(by), CliActor.Role, AuditActions.ExportAlert,
            detail: CliActor.Detail(by, string.Create(CultureInfo.InvariantCulture, $"model outcomes: {rows.Count} labelled rows to {Path.GetFileName(outPath)}")));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {rows.Count} labelled rows ({rows.Count(r => r.Label == DslOutcomes.Concern)} concern, {rows.Count(r => r.Label == DslOutcomes.FalsePositive)} false positive) to {outPath}"));
        return 0;
    }

    /// <summary>At most <paramref name="perSource"/> texts of each source, chosen with the seed: the test's small sample.</summary>
    internal static List<LabelledText> Sample(IEnumerable<LabelledText> texts, int perSource, int seed)
    {
        var random = new Random(seed);
        return [.. texts.GroupBy(t => t.Source).SelectMany(g => g.OrderBy(_ => random.Next()).Take(perSource))];
    }
}
