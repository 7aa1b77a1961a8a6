using AlertPipeline.Alerts;
using AlertPipeline.Notifications;
using AlertPipeline.Schools;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Checks;

/// <summary>One school's end-to-end monitoring check: who the synthetic events are from, who is told, how often.</summary>
internal sealed class MonitoringCheckSchoolOptions
{
    /// <summary>
    /// The login of the designated test pupil (an account that is no real child, e.g. <c>oak.test-pupil</c>). Every
    /// event of this login is a test: its alert is marked as such and told only to <see cref="TestRecipient"/>.
    /// </summary>
    public string TestPupil { get; set; } = string.Empty;

    /// <summary>The email address test alerts go to instead of the DSL (IT's or the DSL's test mailbox).</summary>
    public string TestRecipient { get; set; } = string.Empty;

    /// <summary>How often the scheduled check runs for this school; zero (the default) leaves it to the command.</summary>
    public TimeSpan Every { get; set; } = TimeSpan.Zero;
}

/// <summary>Section <c>MonitoringChecks</c>: the automatic end-to-end check (docs/decisions/0019-checks-monitoring-check.md).</summary>
internal sealed class MonitoringCheckOptions
{
    public const string Section = "MonitoringChecks";

    /// <summary>How long one check waits for each category's alert to be stored and its test notification sent.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the scheduled job looks for a school whose check is due.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Where the check posts its events. Empty: this host's own listening address (the all-in-one host, or the
    /// ingest role). A respond-only process of a split deployment must name the ingest host here.
    /// </summary>
    public string IngestUrl { get; set; } = string.Empty;

    public Dictionary<string, MonitoringCheckSchoolOptions> Schools { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class MonitoringCheckOptionsValidator : IValidateOptions<MonitoringCheckOptions>
{
    public ValidateOptionsResult Validate(string? name, MonitoringCheckOptions options)
    {
        const string s = MonitoringCheckOptions.Section;
        var failures = new List<string>();
        if (options.Timeout < TimeSpan.FromSeconds(5) || options.Timeout > TimeSpan.FromHours(1))
        {
            failures.Add($"{s}:Timeout must be a duration between 00:00:05 and 01:00:00 (was '{options.Timeout}').");
        }

        if (options.CheckInterval < TimeSpan.FromSeconds(1) || options.CheckInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"{s}:CheckInterval must be a duration between 00:00:01 and 1.00:00:00 (was '{options.CheckInterval}').");
        }

        if (options.IngestUrl.Length > 0 && (!Uri.TryCreate(options.IngestUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            failures.Add($"{s}:IngestUrl must be empty (this host) or an absolute http(s) URL (was '{options.IngestUrl}').");
        }

        foreach (var (id, school) in options.Schools)
        {
            var key = $"{s}:Schools:{id}";
            if (string.IsNullOrWhiteSpace(school.TestPupil))
            {
                failures.Add($"{key}:TestPupil must name the designated test pupil's login (was '{school.TestPupil}'): without it a check has no pupil to send as.");
            }

            if (!TrustOptionsValidator.IsEmail(school.TestRecipient))
            {
                failures.Add($"{key}:TestRecipient must be an email address: test alerts go there, never to the DSL (was '{school.TestRecipient}').");
            }

            if (school.Every != TimeSpan.Zero && (school.Every < TimeSpan.FromMinutes(1) || school.Every > TimeSpan.FromDays(366)))
            {
                failures.Add($"{key}:Every must be 0 (no schedule) or a duration between 00:01:00 and 366.00:00:00 (was '{school.Every}').");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Which events are a monitoring check's: those of a school's designated test pupil. Their alerts are marked as tests
/// and told to the school's test recipient alone, so a check never reaches a DSL's queue or inbox as a real alert.
/// </summary>
internal sealed class TestPupils(IOptionsMonitor<MonitoringCheckOptions> options) : Detection.ITestPupils
{
    public bool IsTest(string schoolId, string userLogin) =>
        options.CurrentValue.Schools.TryGetValue(schoolId, out var school)
        && school.TestPupil.Length > 0 && string.Equals(school.TestPupil, userLogin, StringComparison.Ordinal);

    public MonitoringCheckSchoolOptions? For(string schoolId) => options.CurrentValue.Schools.GetValueOrDefault(schoolId);

    /// <summary>The test alert's one notification: to the school's test recipient, by email, kind <c>test</c>.</summary>
    public IReadOnlyList<OutboxNotification> Plan(Alert alert) =>
        For(alert.SchoolId) is { TestRecipient.Length: > 0 } school
            ? [OutboxNotification.For(alert.AlertId, new Target(school.TestRecipient, NotificationChannels.Email), NotificationKinds.Test)]
            : [];
}
