using Microsoft.Extensions.Options;

namespace AlertPipeline.Watchdog;

/// <summary>Section <c>Watchdog</c>: when the pipeline counts as stalled or late, and whom to tell.</summary>
internal sealed class WatchdogOptions
{
    public const string Section = "Watchdog";

    /// <summary>How often the checks run.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Events are waiting and detection's position has not moved for this long: detection is stalled.</summary>
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The oldest event not yet processed was accepted longer ago than this.</summary>
    public TimeSpan MaxEventAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The oldest notification due to be sent has waited longer than this.</summary>
    public TimeSpan MaxNotificationDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Kafka: records of the device-events topic this process's partitions have not processed yet.</summary>
    public long MaxConsumerLag { get; set; } = 100_000;

    /// <summary>
    /// Email address of the technical contact told of every watchdog alert and its recovery, directly (not through
    /// the outbox, which may be what is stuck). Empty: the trust DSL (<c>Trust:DslEmail</c>).
    /// </summary>
    public string TechnicalContact { get; set; } = string.Empty;
}

internal sealed class WatchdogOptionsValidator : IValidateOptions<WatchdogOptions>
{
    public ValidateOptionsResult Validate(string? name, WatchdogOptions options)
    {
        var failures = new List<string>();
        Positive(failures, "CheckInterval", options.CheckInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        Positive(failures, "StallAfter", options.StallAfter, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        Positive(failures, "MaxEventAge", options.MaxEventAge, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        Positive(failures, "MaxNotificationDelay", options.MaxNotificationDelay, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        if (options.MaxConsumerLag < 1)
        {
            failures.Add($"Watchdog:MaxConsumerLag must be at least 1 (was {options.MaxConsumerLag}).");
        }

        if (options.TechnicalContact.Length > 0 && !Schools.TrustOptionsValidator.IsEmail(options.TechnicalContact))
        {
            failures.Add($"Watchdog:TechnicalContact must be an email address (was '{options.TechnicalContact}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"Watchdog:{key} must be between {min} and {max} (was {value}).");
        }
    }
}
