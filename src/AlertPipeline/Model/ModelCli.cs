using System.Globalization;
using System.Text;
using System.Text.Json;
using AlertPipeline.Cli;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Model;

namespace AlertPipeline.Model;

/// <summary>The model side of <c>scan</c> and <c>keywords test</c>: options, fusion and how scores and reasons are shown.</summary>
internal static class ModelCli
{
    public static CliOption[] CliOptions =>
    [
        new("model", "the risk model (default: seeds/models/risk-model.bin)", "FILE"),
        new("school", "use this school's model bands", "ID"),
        CliOption.Flag("no-model", "keyword rules only"),
    ];

    /// <summary>The judge for <c>--model FILE</c> (default: the shipped artefact) and <c>--school ID</c>'s bands; null with <c>--no-model</c>.</summary>
    public static ModelJudge? Load(CliArgs args)
    {
        if (args.Flag("no-model"))
        {
            return null;
        }

        var options = new ModelOptions();
        return new ModelJudge(ModelArtefact.Load(args.Get("model") ?? options.Path), options.PolicyFor(args.Get("school")));
    }

    /// <summary>The result to report first: the rules' (possibly raised), or the model-only one when no rule fired.</summary>
    public static DetectionResult Primary(DetectionResult? rules, ModelVerdict? verdict) =>
        verdict?.Rules ?? rules ?? verdict?.ModelOnly ?? DetectionResult.None(string.Empty);

    /// <summary>Adds <c>modelOnly</c>, <c>model</c> (every category's score), <c>explanation</c> and, when the rules fired too, <c>modelAlert</c>.</summary>
    public static void WriteJson(Utf8JsonWriter json, DetectionResult main, ModelVerdict? verdict, bool writeExplanation = true)
    {
        json.WriteBoolean("modelOnly", main.ModelOnly);
        if (verdict is null)
        {
            return;
        }

        json.WriteStartObject("model");
        foreach (var s in verdict.Scores)
        {
            json.WriteNumber(s.Category, Math.Round(s.Score, 3));
        }

        json.WriteEndObject();
        if (main.Flagged && writeExplanation)
        {
            json.WriteString("explanation", main.Explanation);
        }

        if (verdict.ModelOnly is { } modelOnly && !ReferenceEquals(modelOnly, main))
        {
            json.WriteStartObject("modelAlert");
            DetectionResultJson.Write(json, modelOnly);
            json.WriteBoolean("modelOnly", true);
            json.WriteString("explanation", modelOnly.Explanation);
            json.WriteEndObject();
        }
    }

    /// <summary>The model's lines of <c>keywords test</c>'s text report.</summary>
    public static void WriteText(StringBuilder report, ModelVerdict? verdict)
    {
        if (verdict is null)
        {
            return;
        }

        report.AppendLine("model:       " + string.Join(", ", verdict.Scores.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Category} {s.Score:0.000}"))));
        if (verdict.ModelOnly is { } m)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"model alert: MODEL-ONLY {m.Severity!.Value.ToName().ToUpperInvariant()} — {string.Join(", ", m.Categories)}");
            report.AppendLine(CultureInfo.InvariantCulture, $"model why:   {m.Explanation}");
        }
        else
        {
            report.AppendLine("model alert: none (no category without a rule match reaches its band)");
        }
    }
}
