using AlertPipeline.Detection;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Schools;

/// <summary>A person who is told about alerts: an email address and/or webhook targets (chat, an SMS gateway).</summary>
internal sealed class ContactOptions
{
    public string Name { get; set; } = string.Empty;

    public string Email { get; set; } = string.Empty;

    public List<WebhookOptions> Webhooks { get; set; } = [];
}

/// <summary>A webhook target: where to POST and in which message format.</summary>
internal sealed class WebhookOptions
{
    public string Url { get; set; } = string.Empty;

    /// <summary><c>json</c> (generic, e.g. an SMS gateway), <c>teams</c> (MessageCard) or <c>slack</c> (text + blocks).</summary>
    public string Format { get; set; } = "json";
}

/// <summary>When the school is open, in its own time zone. Lower severities wait for these hours.</summary>
internal sealed class SchoolHoursOptions
{
    /// <summary>Days the school is open: a range (<c>Mon-Fri</c>) or a list (<c>Mon,Tue,Thu</c>).</summary>
    public string Days { get; set; } = "Mon-Fri";

    public string Start { get; set; } = "08:00";

    public string End { get; set; } = "17:00";
}

/// <summary>
/// One line of a school's out-of-hours on-call rota: who is told of alerts that notify at once while the school is
/// closed, on these days (<c>Days</c>, e.g. <c>Sat-Sun</c>; empty: every day) and/or between these dates
/// (<c>From</c>/<c>To</c>, inclusive, <c>yyyy-MM-dd</c> in the school's time zone; empty: always). A line with dates
/// wins over lines with days only, so holiday cover replaces the weekly rota.
/// </summary>
internal sealed class OnCallOptions
{
    public string Days { get; set; } = string.Empty;

    public string From { get; set; } = string.Empty;

    public string To { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public string Email { get; set; } = string.Empty;

    public List<WebhookOptions> Webhooks { get; set; } = [];

    public ContactOptions AsContact() => new() { Name = Name, Email = Email, Webhooks = Webhooks };
}

/// <summary>Dates the school is closed (holidays, INSET days): inclusive, <c>yyyy-MM-dd</c> in the school's time zone.</summary>
internal sealed class HolidayOptions
{
    public string Name { get; set; } = string.Empty;

    public string From { get; set; } = string.Empty;

    public string To { get; set; } = string.Empty;
}

/// <summary>How long an alert may stay unacknowledged before the next person in the chain is told.</summary>
internal sealed class EscalationOptions
{
    public TimeSpan Critical { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan Urgent { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>When the daily digest and the weekly summary are sent, in the school's time zone.</summary>
internal sealed class DigestOptions
{
    public string DailyAt { get; set; } = "16:00";

    public string WeeklyDay { get; set; } = "Monday";

    public string WeeklyAt { get; set; } = "09:00";
}

/// <summary>One school of the trust (section <c>Trust:Schools:&lt;schoolId&gt;</c>).</summary>
internal sealed class SchoolOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>
    /// Shorthand for <c>Dsl:Email</c>, kept so configurations written before per-school routing still work.
    /// </summary>
    public string DslEmail { get; set; } = string.Empty;

    /// <summary>The Designated Safeguarding Lead: told at once (within the rules below).</summary>
    public ContactOptions? Dsl { get; set; }

    /// <summary>Deputy DSLs: the first step of escalation.</summary>
    public List<ContactOptions> Deputies { get; set; } = [];

    /// <summary>The headteacher: the second step of escalation.</summary>
    public ContactOptions? Headteacher { get; set; }

    /// <summary>Alerts at or above this severity notify at once. Empty: <c>Notifications:MinimumSeverity</c>.</summary>
    public string NotifyAtOnce { get; set; } = string.Empty;

    /// <summary>Alerts at or above this severity but below <see cref="NotifyAtOnce"/> go into the daily digest.</summary>
    public string DigestFrom { get; set; } = "low";

    /// <summary>
    /// An explicit choice to hold lower severities until school opens: alerts below this severity that notify at once
    /// wait for school hours; at or above it they are sent day and night. Urgent and critical alerts are always sent
    /// day and night, so at most <c>urgent</c>. Empty: <c>Trust:OutOfHoursAtOnce</c> (default <c>low</c>: hold nothing).
    /// </summary>
    public string OutOfHoursAtOnce { get; set; } = string.Empty;

    /// <summary>Who is on call while the school is closed (told as well as the DSL); see <see cref="OnCallOptions"/>.</summary>
    public List<OnCallOptions> OnCall { get; set; } = [];

    /// <summary>Dates the school is closed whatever the day: out of hours all day (the on-call rota applies, held alerts wait).</summary>
    public List<HolidayOptions> Holidays { get; set; } = [];

    /// <summary>IANA time zone of the school's hours and digest times.</summary>
    public string TimeZone { get; set; } = "Europe/London";

    public SchoolHoursOptions Hours { get; set; } = new();

    public EscalationOptions Escalation { get; set; } = new();

    public DigestOptions Digest { get; set; } = new();

    /// <summary>Opt-in: notifications carry the pupil's login and the matched words. Empty: <c>Notifications:IncludePupilDetail</c>.</summary>
    public bool? IncludePupilDetail { get; set; }
}

/// <summary>The trust's schools and its own DSL (section <c>Trust</c>).</summary>
internal sealed class TrustOptions
{
    public const string Section = "Trust";

    public string Name { get; set; } = "Trust";

    /// <summary>
    /// The trust-level DSL, who sees every school: alerts of a school that is not configured go here, so an alert
    /// is never left without a recipient, and so do copies of alerts at or above <see cref="CopyFrom"/>.
    /// </summary>
    public string DslEmail { get; set; } = string.Empty;

    public string DslName { get; set; } = string.Empty;

    public List<WebhookOptions> DslWebhooks { get; set; } = [];

    /// <summary>The trust DSL is copied, at once, on alerts of every school at or above this severity (<c>none</c>: never).</summary>
    public string CopyFrom { get; set; } = "critical";

    /// <summary>
    /// The default for schools that do not set <c>OutOfHoursAtOnce</c>. <c>low</c>: nothing is held for school hours;
    /// holding lower severities is a school's explicit choice, and urgent and critical alerts are never held.
    /// </summary>
    public string OutOfHoursAtOnce { get; set; } = "low";

    public Dictionary<string, SchoolOptions> Schools { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class TrustOptionsValidator : IValidateOptions<TrustOptions>
{
    public ValidateOptionsResult Validate(string? name, TrustOptions options)
    {
        var failures = new List<string>();
        if (!IsEmail(options.DslEmail))
        {
            failures.Add($"Trust:DslEmail must be an email address: the trust DSL receives alerts of schools without one (was '{options.DslEmail}').");
        }

        ValidateWebhooks("Trust:DslWebhooks", options.DslWebhooks, failures);
        if (options.CopyFrom != "none" && !SeverityNames.TryParse(options.CopyFrom, out _))
        {
            failures.Add($"Trust:CopyFrom must be one of none, low, medium, high, urgent, critical (was '{options.CopyFrom}').");
        }

        ValidateOutOfHours("Trust:OutOfHoursAtOnce", options.OutOfHoursAtOnce, allowEmpty: false, failures);
        foreach (var (id, school) in options.Schools)
        {
            var key = $"Trust:Schools:{id}";
            if (id.Length == 0 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                failures.Add($"{key} is not a valid school id (letters, digits, '.', '_', '-').");
            }

            if (school.DslEmail.Length > 0 && !IsEmail(school.DslEmail))
            {
                failures.Add($"{key}:DslEmail is not an email address (was '{school.DslEmail}').");
            }

            ValidateContact($"{key}:Dsl", school.Dsl, failures);
            for (var i = 0; i < school.Deputies.Count; i++)
            {
                ValidateContact($"{key}:Deputies:{i}", school.Deputies[i], failures);
            }

            ValidateContact($"{key}:Headteacher", school.Headteacher, failures);
            ValidateSeverity($"{key}:NotifyAtOnce", school.NotifyAtOnce, allowEmpty: true, failures);
            ValidateSeverity($"{key}:DigestFrom", school.DigestFrom, allowEmpty: false, failures);
            ValidateOutOfHours($"{key}:OutOfHoursAtOnce", school.OutOfHoursAtOnce, allowEmpty: true, failures);
            for (var i = 0; i < school.OnCall.Count; i++)
            {
                var line = school.OnCall[i];
                var lineKey = $"{key}:OnCall:{i}";
                ValidateContact(lineKey, line.AsContact(), failures);
                if (line.Days.Length > 0 && SchoolHours.ParseDays(line.Days) is null)
                {
                    failures.Add($"{lineKey}:Days must be a day range or list such as Sat-Sun or Mon,Wed (was '{line.Days}').");
                }

                ValidateDateRange(lineKey, line.From, line.To, optional: true, failures);
            }

            for (var i = 0; i < school.Holidays.Count; i++)
            {
                ValidateDateRange($"{key}:Holidays:{i}", school.Holidays[i].From, school.Holidays[i].To, optional: false, failures);
            }

            if (SchoolHours.FindTimeZone(school.TimeZone) is null)
            {
                failures.Add($"{key}:TimeZone is not a known time zone (was '{school.TimeZone}'); use an IANA id such as Europe/London.");
            }

            if (SchoolHours.ParseDays(school.Hours.Days) is null)
            {
                failures.Add($"{key}:Hours:Days must be a day range or list such as Mon-Fri or Mon,Tue,Thu (was '{school.Hours.Days}').");
            }

            var start = ValidateTime($"{key}:Hours:Start", school.Hours.Start, failures);
            var end = ValidateTime($"{key}:Hours:End", school.Hours.End, failures);
            if (start is { } s && end is { } e && e <= s)
            {
                failures.Add($"{key}:Hours:End must be after Hours:Start (was '{school.Hours.Start}'-'{school.Hours.End}').");
            }

            if (school.Escalation.Critical <= TimeSpan.Zero || school.Escalation.Critical > TimeSpan.FromDays(1))
            {
                failures.Add($"{key}:Escalation:Critical must be a duration between 00:00:01 and 1.00:00:00 (was '{school.Escalation.Critical}').");
            }

            if (school.Escalation.Urgent <= TimeSpan.Zero || school.Escalation.Urgent > TimeSpan.FromDays(1))
            {
                failures.Add($"{key}:Escalation:Urgent must be a duration between 00:00:01 and 1.00:00:00 (was '{school.Escalation.Urgent}').");
            }

            ValidateTime($"{key}:Digest:DailyAt", school.Digest.DailyAt, failures);
            ValidateTime($"{key}:Digest:WeeklyAt", school.Digest.WeeklyAt, failures);
            if (!Enum.TryParse<DayOfWeek>(school.Digest.WeeklyDay, ignoreCase: true, out _) || int.TryParse(school.Digest.WeeklyDay, out _))
            {
                failures.Add($"{key}:Digest:WeeklyDay must be a day name such as Monday (was '{school.Digest.WeeklyDay}').");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// One bare address, parsed as MimeKit will when it sends: a display name or a list is not an address here, and
    /// MimeKit's parser would accept a local part alone ("dsl"), which no server delivers, so a domain is required.
    /// </summary>
    internal static bool IsEmail(string value) =>
        !string.IsNullOrWhiteSpace(value)
        && MimeKit.MailboxAddress.TryParse(value, out var address)
        && address.Address == value.Trim()
        && address.Address.IndexOf('@', StringComparison.Ordinal) is > 0 and var at && at < address.Address.Length - 1;

    private static void ValidateContact(string key, ContactOptions? contact, List<string> failures)
    {
        if (contact is null)
        {
            return;
        }

        if (contact.Email.Length > 0 && !IsEmail(contact.Email))
        {
            failures.Add($"{key}:Email is not an email address (was '{contact.Email}').");
        }

        if (contact.Email.Length == 0 && contact.Webhooks.Count == 0)
        {
            failures.Add($"{key} has neither an Email nor Webhooks: nobody could be told.");
        }

        ValidateWebhooks($"{key}:Webhooks", contact.Webhooks, failures);
    }

    private static void ValidateWebhooks(string key, List<WebhookOptions> webhooks, List<string> failures)
    {
        for (var i = 0; i < webhooks.Count; i++)
        {
            var hook = webhooks[i];
            if (!Uri.TryCreate(hook.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                failures.Add($"{key}:{i}:Url must be an absolute http(s) URL (was '{hook.Url}').");
            }

            if (WebhookFormats.Channel(hook.Format) is null)
            {
                failures.Add($"{key}:{i}:Format must be one of json, teams, slack (was '{hook.Format}').");
            }
        }
    }

    private static void ValidateSeverity(string key, string value, bool allowEmpty, List<string> failures)
    {
        if (allowEmpty && value.Length == 0)
        {
            return;
        }

        if (!SeverityNames.TryParse(value, out _))
        {
            failures.Add($"{key} must be one of low, medium, high, urgent, critical (was '{value}').");
        }
    }

    private static void ValidateOutOfHours(string key, string value, bool allowEmpty, List<string> failures)
    {
        if (allowEmpty && value.Length == 0)
        {
            return;
        }

        if (!SeverityNames.TryParse(value, out var severity) || severity > Severity.Urgent)
        {
            failures.Add($"{key} must be one of low, medium, high, urgent: urgent and critical alerts are always sent out of hours (was '{value}').");
        }
    }

    private static void ValidateDateRange(string key, string from, string to, bool optional, List<string> failures)
    {
        if (optional && from.Length == 0 && to.Length == 0)
        {
            return;
        }

        var start = SchoolHours.ParseDate(from);
        var end = SchoolHours.ParseDate(to);
        if (start is null)
        {
            failures.Add($"{key}:From must be a date as yyyy-MM-dd (was '{from}').");
        }

        if (end is null)
        {
            failures.Add($"{key}:To must be a date as yyyy-MM-dd (was '{to}').");
        }

        if (start is { } s && end is { } e && e < s)
        {
            failures.Add($"{key}:To must not be before From (was '{from}' to '{to}').");
        }
    }

    private static TimeOnly? ValidateTime(string key, string value, List<string> failures)
    {
        var time = SchoolHours.ParseTime(value);
        if (time is null)
        {
            failures.Add($"{key} must be a time of day as HH:mm (was '{value}').");
        }

        return time;
    }
}

/// <summary>The webhook message formats and the outbox channel name of each.</summary>
internal static class WebhookFormats
{
    public const string Json = "webhook:json";
    public const string Teams = "webhook:teams";
    public const string Slack = "webhook:slack";

    public static string? Channel(string format) => format.Trim().ToLowerInvariant() switch
    {
        "json" => Json,
        "teams" => Teams,
        "slack" => Slack,
        _ => null,
    };
}
