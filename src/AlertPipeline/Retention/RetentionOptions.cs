using Microsoft.Extensions.Options;

namespace AlertPipeline.Retention;

/// <summary>
/// How long pupils' data in closed alerts is kept (section <c>Retention</c>). Open alerts are never touched. See
/// docs/data-protection.md.
/// </summary>
internal sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Days after an alert was closed as a false positive or with no further action before its pupil data is removed.</summary>
    public int NoConcernDays { get; set; } = 90;

    /// <summary>
    /// Days after an alert was closed as a confirmed concern or a referral before its pupil data is removed here (the
    /// safeguarding record itself lives in the school's child-protection system, under its own retention rules).
    /// </summary>
    public int ConcernDays { get; set; } = 365;

    /// <summary>Days a screenshot that no alert refers to is kept (device agents upload one for events that never alert).</summary>
    public int UnreferencedScreenshotDays { get; set; } = 30;

    /// <summary>
    /// Days an <c>.eml</c> file is kept in the outbox folder (written when no SMTP server is configured). Each is a copy
    /// of a notification, with the pupil's details when <c>IncludePupilDetail</c> is on: the alert in the store is the
    /// record, so its copy is not kept longer than a false alarm's data.
    /// </summary>
    public int OutboxDays { get; set; } = 90;

    /// <summary>How often the retention check runs.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromHours(1);
}

internal sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        var failures = new List<string>();
        Days(nameof(RetentionOptions.NoConcernDays), options.NoConcernDays);
        Days(nameof(RetentionOptions.ConcernDays), options.ConcernDays);
        Days(nameof(RetentionOptions.UnreferencedScreenshotDays), options.UnreferencedScreenshotDays);
        Days(nameof(RetentionOptions.OutboxDays), options.OutboxDays);
        if (options.NoConcernDays > options.ConcernDays)
        {
            failures.Add($"Retention:NoConcernDays ({options.NoConcernDays}) must not be longer than Retention:ConcernDays ({options.ConcernDays}): "
                + "a false alarm would outlive a confirmed concern.");
        }

        if (options.CheckInterval < TimeSpan.FromMilliseconds(10) || options.CheckInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"Retention:CheckInterval must be between 00:00:00.010 and 1.00:00:00 (was '{options.CheckInterval}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Days(string option, int days)
        {
            if (days is < 1 or > 3650)
            {
                failures.Add($"Retention:{option} must be between 1 and 3650 days (was {days}).");
            }
        }
    }
}
