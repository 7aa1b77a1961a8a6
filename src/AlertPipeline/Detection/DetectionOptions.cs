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

    /// <summary>Near-identical detections of one pupil within this window are one alert with a count.</summary>
    public TimeSpan GroupingWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Lower-level signals of one pupil in one category within this window add up to a trajectory alert...</summary>
    public TimeSpan TrajectoryWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>...once there are this many.</summary>
    public int TrajectoryThreshold { get; set; } = 3;

    /// <summary>
    /// The wall-clock guard on one regex match. A text a regex could not finish within it is "not fully checked":
    /// scanned once more, then kept as a dead letter to replay, never judged safe (issue 12).
    /// </summary>
    public TimeSpan RegexTimeout { get; set; } = TimeSpan.FromMilliseconds(250); // GuardedRegex.MatchTimeout
}

internal sealed class DetectionOptionsValidator : IValidateOptions<DetectionOptions>
{
    public ValidateOptionsResult Validate(string? name, DetectionOptions options)
    {
        var failures = new List<string>();
        if (options.RegexTimeout <= TimeSpan.Zero || options.RegexTimeout > TimeSpan.FromSeconds(10))
        {
            failures.Add($"Detection:RegexTimeout must be more than 00:00:00 and at most 00:00:10 (was {options.RegexTimeout}).");
        }

        if (KeywordDirectory.Resolve(options.KeywordsDirectory) is null)
        {
            failures.Add($"Detection:KeywordsDirectory '{options.KeywordsDirectory}' does not exist (looked in {Directory.GetCurrentDirectory()} and {AppContext.BaseDirectory}).");
        }

        if (options.ReloadInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"Detection:ReloadInterval must be at least 00:00:01 (was {options.ReloadInterval}).");
        }

        if (options.GroupingWindow <= TimeSpan.Zero || options.GroupingWindow > TimeSpan.FromDays(1))
        {
            failures.Add($"Detection:GroupingWindow must be between 00:00:01 and 1.00:00:00 (was {options.GroupingWindow}).");
        }

        if (options.TrajectoryWindow < TimeSpan.FromHours(1) || options.TrajectoryWindow > TimeSpan.FromDays(90))
        {
            failures.Add($"Detection:TrajectoryWindow must be between 01:00:00 and 90.00:00:00 (was {options.TrajectoryWindow}).");
        }

        if (options.TrajectoryThreshold is < 2 or > 100)
        {
            failures.Add($"Detection:TrajectoryThreshold must be between 2 and 100 (was {options.TrajectoryThreshold}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
