using Microsoft.Extensions.Options;

namespace AlertPipeline.Detection;

/// <summary>Section <c>Detection</c>.</summary>
internal sealed class DetectionOptions
{
    public const string Section = "Detection";

    /// <summary>The keyword list directory. Relative paths are tried against the working directory, then the install folder.</summary>
    public string KeywordsDirectory { get; set; } = "seeds/keywords";

    /// <summary>How often the list directory is checked for changes; a changed, valid version is swapped in without a restart.</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(10);
}

internal sealed class DetectionOptionsValidator : IValidateOptions<DetectionOptions>
{
    public ValidateOptionsResult Validate(string? name, DetectionOptions options)
    {
        var failures = new List<string>();
        if (KeywordDirectory.Resolve(options.KeywordsDirectory) is null)
        {
            failures.Add($"Detection:KeywordsDirectory '{options.KeywordsDirectory}' does not exist (looked in {Directory.GetCurrentDirectory()} and {AppContext.BaseDirectory}).");
        }

        if (options.ReloadInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"Detection:ReloadInterval must be at least 00:00:01 (was {options.ReloadInterval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
