using Microsoft.Extensions.Options;

// The folder is Console/, the namespace ConsoleUi: a namespace AlertPipeline.Console would hide System.Console
// from every other AlertPipeline.* namespace (the CLI writes to Console.Error).
namespace AlertPipeline.ConsoleUi;

/// <summary>The DSL console (section <c>Console</c>).</summary>
internal sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>CSV of pupils (login, school, display_name, year_group); relative paths are tried against the working and app directories.</summary>
    public string RosterFile { get; set; } = "seeds/roster/pupils.csv";

    /// <summary>A device with no event for this long is listed as silent on the IT page.</summary>
    public TimeSpan SilentDeviceAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the live feed looks for new and changed alerts.</summary>
    public TimeSpan FeedPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Alerts in these categories show their screenshot only after the DSL chooses to see it.</summary>
    public IList<string> GraphicCategories { get; } = ["pornography", "child-sexual-exploitation", "self-harm", "violence"];

    /// <summary>The alert page shows the pupil's own events this long before and after the alert.</summary>
    public TimeSpan ActivityWindow { get; set; } = TimeSpan.FromMinutes(10);

    public string? ResolvedRosterFile => Resolve(RosterFile);

    internal static string? Resolve(string path)
    {
        if (Path.IsPathRooted(path))
        {
            return File.Exists(path) ? path : null;
        }

        return new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory }
            .Select(root => Path.GetFullPath(Path.Combine(root, path)))
            .FirstOrDefault(File.Exists);
    }
}

internal sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.RosterFile) || options.ResolvedRosterFile is null)
        {
            failures.Add($"Console:RosterFile must name an existing pupil roster CSV (was '{options.RosterFile}').");
        }

        if (options.SilentDeviceAfter < TimeSpan.FromMinutes(1))
        {
            failures.Add($"Console:SilentDeviceAfter must be at least 00:01:00 (was '{options.SilentDeviceAfter}').");
        }

        if (options.FeedPollInterval < TimeSpan.FromMilliseconds(50) || options.FeedPollInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"Console:FeedPollInterval must be from 00:00:00.050 to 00:01:00 (was '{options.FeedPollInterval}').");
        }

        if (options.ActivityWindow < TimeSpan.FromMinutes(1) || options.ActivityWindow > TimeSpan.FromHours(2))
        {
            failures.Add($"Console:ActivityWindow must be from 00:01:00 to 02:00:00 (was '{options.ActivityWindow}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
