using Microsoft.Extensions.Options;

// The folder is Console/, the namespace ConsoleUi: a namespace AlertPipeline.Console would hide System.Console
// from every other AlertPipeline.* namespace (the CLI writes to Console.Error).
namespace AlertPipeline.ConsoleUi;

/// <summary>The DSL console (section <c>Console</c>).</summary>
internal sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>
    /// CSV of pupils with a school column (login, school, display_name, year_group; optionally form, send,
    /// looked_after, eal); relative paths are tried against the working and app directories. Empty: none.
    /// </summary>
    public string RosterFile { get; set; } = "seeds/roster/pupils.csv";

    /// <summary>One MIS export (SIMS, Arbor, Bromcom columns: docs/roster.md) per school id.</summary>
    public Dictionary<string, string> RosterFiles { get; } = new(StringComparer.Ordinal);

    /// <summary>How often the roster files are checked for changes; a changed file is in force without a restart.</summary>
    public TimeSpan RosterReloadInterval { get; set; } = TimeSpan.FromMinutes(1);

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
        if (!string.IsNullOrWhiteSpace(options.RosterFile) && options.ResolvedRosterFile is null)
        {
            failures.Add($"Console:RosterFile must name an existing pupil roster CSV, or be empty (was '{options.RosterFile}').");
        }

        foreach (var (school, file) in options.RosterFiles)
        {
            if (school.Length == 0 || !school.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                failures.Add($"Console:RosterFiles:{school} is not a school id (letters, digits, '.', '_', '-').");
            }

            if (string.IsNullOrWhiteSpace(file) || ConsoleOptions.Resolve(file) is null)
            {
                failures.Add($"Console:RosterFiles:{school} must name an existing MIS export (was '{file}').");
            }
        }

        if (options.RosterReloadInterval < TimeSpan.FromMilliseconds(100) || options.RosterReloadInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"Console:RosterReloadInterval must be from 00:00:00.100 to 1.00:00:00 (was '{options.RosterReloadInterval}').");
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
