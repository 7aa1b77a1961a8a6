using System.Globalization;
using AlertPipeline.Schools;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Reports.GovernorSummary;

/// <summary>A school term, for per-term summaries: inclusive dates in the school's time zone.</summary>
internal sealed class TermOptions
{
    public string Name { get; set; } = string.Empty;

    public string Start { get; set; } = string.Empty;

    public string End { get; set; } = string.Empty;
}

/// <summary>Who receives one school's (or the trust's) governor summary, and how often.</summary>
internal sealed class GovernorSummaryScheduleOptions
{
    /// <summary><c>monthly</c> (the previous calendar month), <c>termly</c> (each term in <see cref="Terms"/> once it ends) or <c>off</c>.</summary>
    public string Frequency { get; set; } = "off";

    /// <summary>Named governors and senior leaders; each gets the PDF by email.</summary>
    public List<ContactOptions> Recipients { get; set; } = [];

    public List<TermOptions> Terms { get; set; } = [];
}

/// <summary>
/// Section <c>GovernorSummaries</c>: per school id (or <c>trust</c> for the trust-wide summary) a schedule and its
/// recipients. A section of its own rather than more keys under <c>Trust:Schools</c>, so routing alerts and
/// reporting to governors can change independently.
/// </summary>
internal sealed class GovernorSummaryOptions
{
    public const string Section = "GovernorSummaries";

    /// <summary>Local time of day at which a summary for a period that has ended is sent.</summary>
    public string SendAt { get; set; } = "07:00";

    /// <summary>How often the scheduler looks for a summary that is due.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    public Dictionary<string, GovernorSummaryScheduleOptions> Schools { get; set; } = new(StringComparer.Ordinal);

    internal static DateOnly? ParseDate(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
}

internal sealed class GovernorSummaryOptionsValidator : IValidateOptions<GovernorSummaryOptions>
{
    public ValidateOptionsResult Validate(string? name, GovernorSummaryOptions options)
    {
        var failures = new List<string>();
        const string s = GovernorSummaryOptions.Section;
        if (SchoolHours.ParseTime(options.SendAt) is null)
        {
            failures.Add($"{s}:SendAt must be a time of day as HH:mm (was '{options.SendAt}').");
        }

        if (options.CheckInterval < TimeSpan.FromSeconds(1) || options.CheckInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"{s}:CheckInterval must be between 00:00:01 and 1.00:00:00 (was '{options.CheckInterval}').");
        }

        foreach (var (id, schedule) in options.Schools)
        {
            var key = $"{s}:Schools:{id}";
            if (schedule.Frequency is not ("monthly" or "termly" or "off"))
            {
                failures.Add($"{key}:Frequency must be one of monthly, termly, off (was '{schedule.Frequency}').");
            }

            if (schedule.Frequency == "termly" && schedule.Terms.Count == 0)
            {
                failures.Add($"{key}:Terms must list the school's terms (Name, Start, End as yyyy-MM-dd) when Frequency is termly.");
            }

            if (schedule.Frequency != "off" && schedule.Recipients.Count == 0)
            {
                failures.Add($"{key}:Recipients must name at least one governor or senior leader with an Email (Frequency is '{schedule.Frequency}').");
            }

            for (var i = 0; i < schedule.Recipients.Count; i++)
            {
                if (!TrustOptionsValidator.IsEmail(schedule.Recipients[i].Email))
                {
                    failures.Add($"{key}:Recipients:{i}:Email must be an email address: the summary is a PDF sent by email (was '{schedule.Recipients[i].Email}').");
                }
            }

            for (var i = 0; i < schedule.Terms.Count; i++)
            {
                var term = schedule.Terms[i];
                var start = GovernorSummaryOptions.ParseDate(term.Start);
                var end = GovernorSummaryOptions.ParseDate(term.End);
                if (start is null || end is null || end < start)
                {
                    failures.Add($"{key}:Terms:{i} needs Start and End as yyyy-MM-dd with End not before Start (was '{term.Start}'-'{term.End}').");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
