using System.Globalization;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Model;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Model;

/// <summary>
/// Section <c>Model</c>: the learned risk model beside the keyword lists. Bands are written
/// <c>"0.97=urgent,0.90=high"</c> per category: from that score up, the model alone raises an alert of that severity.
/// A school may override any category (<c>Model:Schools:{schoolId}:Bands:{category}</c>); an empty string turns
/// model-only alerts off for that category.
/// </summary>
internal sealed class ModelOptions
{
    public const string Section = "Model";

    /// <summary>Run the model at all. Off: detection is the keyword rules alone, exactly as before.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The artefact <c>alertpipeline model train</c> wrote. Relative paths: working directory, then install folder.</summary>
    public string Path { get; set; } = ModelCommand.DefaultArtefact;

    /// <summary>Score bands per category (defaults: <see cref="DefaultBands"/>, chosen on held-out data; model card).</summary>
    public Dictionary<string, string> Bands { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Categories in which the model may raise a rule alert's severity to its own band.</summary>
    public List<string> RaiseRules { get; set; } = [];

    /// <summary>Per school: bands that replace the trust-wide ones for that school's pupils.</summary>
    public Dictionary<string, SchoolModelOptions> Schools { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The shipped defaults. Chosen on the held-out parts (docs/detection-quality.md) so that the model's own share of
    /// medium-or-above false alarms on ordinary text stays well under 1 per 1,000 and its urgent share near 0.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> DefaultBands = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["suicide"] = "0.97=urgent,0.85=high,0.80=medium",
        ["self-harm"] = "0.90=high,0.80=medium",
        ["violence"] = "0.95=high",
        ["bullying"] = "0.90=low",
        ["hate-speech"] = "0.99=medium,0.90=low",
        ["offensive-language"] = "0.90=low",
    };

    /// <summary>The policy for one school (null: trust-wide).</summary>
    public ModelPolicy PolicyFor(string? schoolId)
    {
        var bands = new Dictionary<string, string>(DefaultBands, StringComparer.Ordinal);
        foreach (var (category, text) in Bands)
        {
            bands[category] = text;
        }

        if (schoolId is not null && Schools.TryGetValue(schoolId, out var school))
        {
            foreach (var (category, text) in school.Bands)
            {
                bands[category] = text;
            }
        }

        return new ModelPolicy(bands.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<ModelBand>)ParseBands(kv.Value, $"Model:Bands:{kv.Key}")), RaiseRules);
    }

    /// <summary>Parses "0.97=urgent,0.9=high"; a bad value names the key and what is wrong.</summary>
    public static List<ModelBand> ParseBands(string text, string key)
    {
        var bands = new List<ModelBand>();
        foreach (var part in (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split('=', StringSplitOptions.TrimEntries);
            if (pieces.Length != 2 || !float.TryParse(pieces[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var score) || !(score > 0f && score <= 1f))
            {
                throw new FormatException($"{key}: '{part}' must be SCORE=SEVERITY with a score above 0 and at most 1 (e.g. 0.95=high)");
            }

            if (!SeverityNames.TryParse(pieces[1], out var severity))
            {
                throw new FormatException($"{key}: '{pieces[1]}' in '{part}' is not a severity (low, medium, high, urgent, critical)");
            }

            bands.Add(new ModelBand(score, severity));
        }

        return bands;
    }
}

/// <summary>One school's overrides of <see cref="ModelOptions.Bands"/>.</summary>
internal sealed class SchoolModelOptions
{
    public Dictionary<string, string> Bands { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class ModelOptionsValidator : IValidateOptions<ModelOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelOptions options)
    {
        var failures = new List<string>();
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        if (ModelArtefact.Resolve(options.Path) is null)
        {
            failures.Add($"Model:Path '{options.Path}' does not exist (looked in {Directory.GetCurrentDirectory()} and {AppContext.BaseDirectory}); train one with 'alertpipeline model train' or set Model:Enabled to false.");
        }

        void Check(IEnumerable<KeyValuePair<string, string>> bands, string prefix)
        {
            foreach (var (category, text) in bands)
            {
                if (!TrainingCorpus.Heads.Contains(category, StringComparer.Ordinal))
                {
                    failures.Add($"{prefix}:{category}: the model has no category '{category}' (it has {string.Join(", ", TrainingCorpus.Heads)}).");
                    continue;
                }

                try
                {
                    ModelOptions.ParseBands(text, $"{prefix}:{category}");
                }
                catch (FormatException ex)
                {
                    failures.Add(ex.Message);
                }
            }
        }

        Check(options.Bands, "Model:Bands");
        foreach (var (school, overrides) in options.Schools)
        {
            Check(overrides.Bands, $"Model:Schools:{school}:Bands");
        }

        foreach (var category in options.RaiseRules.Where(c => !TrainingCorpus.Heads.Contains(c, StringComparer.Ordinal)))
        {
            failures.Add($"Model:RaiseRules: the model has no category '{category}' (it has {string.Join(", ", TrainingCorpus.Heads)}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
