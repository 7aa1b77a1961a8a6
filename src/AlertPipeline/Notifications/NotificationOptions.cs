using AlertPipeline.Detection;
using AlertPipeline.Schools;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Notifications;

/// <summary>Section <c>Notifications</c>.</summary>
internal sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>Alerts at or above this severity notify the DSL at once, unless a school sets its own <c>NotifyAtOnce</c>.</summary>
    public string MinimumSeverity { get; set; } = "high";

    public string FromAddress { get; set; } = "alertpipeline@localhost";

    /// <summary>Base URL of the console, for the link in each notification.</summary>
    public string ConsoleBaseUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Off by default: a notification says severity, category, school and time, never what the pupil wrote. A school may opt in.</summary>
    public bool IncludePupilDetail { get; set; }

    /// <summary>Where .eml files go when no SMTP server is configured. Relative to the data directory.</summary>
    public string OutboxDirectory { get; set; } = "outbox";

    public SmtpSettings Smtp { get; set; } = new();

    public int MaxAttempts { get; set; } = 12;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The first retry waits this long; each further one twice as long, up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A channel (the SMTP server, a webhook host) whose every attempt has failed for this long raises a system alert
    /// naming the cause. Short, because an alert may be reaching nobody meanwhile; long enough to ride out a restart.
    /// </summary>
    public TimeSpan ChannelDownAlertAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How many notifications are sent at the same time.</summary>
    public int MaxConcurrentSends { get; set; } = 16;

    /// <summary>How often the Quartz escalation job looks for unacknowledged alerts past their deadline.</summary>
    public TimeSpan EscalationCheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the Quartz digest job looks for schools whose digest time has come.</summary>
    public TimeSpan DigestCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    public Severity Minimum => SeverityNames.TryParse(MinimumSeverity, out var s) ? s : Severity.High;
}

internal sealed class SmtpSettings
{
    /// <summary>Empty: write .eml files to the outbox folder instead of sending.</summary>
    public string Host { get; set; } = string.Empty;

    public int Port { get; set; } = 25;

    /// <summary>STARTTLS, required (System.Net.Mail's meaning). <see cref="Security"/>, when set, wins.</summary>
    public bool EnableSsl { get; set; }

    /// <summary>Empty (use <see cref="EnableSsl"/>), <c>None</c>, <c>StartTls</c>, <c>StartTlsWhenAvailable</c> or <c>SslOnConnect</c> (port 465).</summary>
    public string Security { get; set; } = string.Empty;

    public string UserName { get; set; } = string.Empty;

    public string Password { get; set; } = string.Empty;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

internal sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        var failures = new List<string>();
        if (!SeverityNames.TryParse(options.MinimumSeverity, out _))
        {
            failures.Add($"Notifications:MinimumSeverity must be one of low, medium, high, urgent, critical (was '{options.MinimumSeverity}').");
        }

        if (!TrustOptionsValidator.IsEmail(options.FromAddress))
        {
            failures.Add($"Notifications:FromAddress must be an email address (was '{options.FromAddress}').");
        }

        if (!Uri.TryCreate(options.ConsoleBaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            failures.Add($"Notifications:ConsoleBaseUrl must be an absolute http(s) URL (was '{options.ConsoleBaseUrl}').");
        }

        if (options.Smtp.Host.Length > 0 && options.Smtp.Port is < 1 or > 65535)
        {
            failures.Add($"Notifications:Smtp:Port must be between 1 and 65535 (was {options.Smtp.Port}).");
        }

        if (options.Smtp.Security.Length > 0 && options.Smtp.Security.ToLowerInvariant() is not ("none" or "starttls" or "starttlswhenavailable" or "sslonconnect"))
        {
            failures.Add($"Notifications:Smtp:Security must be one of None, StartTls, StartTlsWhenAvailable, SslOnConnect (was '{options.Smtp.Security}').");
        }

        if (options.MaxAttempts is < 1 or > 1000)
        {
            failures.Add($"Notifications:MaxAttempts must be between 1 and 1000 (was {options.MaxAttempts}).");
        }

        if (options.RetryBaseDelay <= TimeSpan.Zero || options.RetryMaxDelay < options.RetryBaseDelay)
        {
            failures.Add($"Notifications:RetryBaseDelay must be positive and Notifications:RetryMaxDelay at least as long (were '{options.RetryBaseDelay}', '{options.RetryMaxDelay}').");
        }

        if (options.MaxConcurrentSends is < 1 or > 64)
        {
            failures.Add($"Notifications:MaxConcurrentSends must be between 1 and 64 (was {options.MaxConcurrentSends}).");
        }

        if (options.WebhookTimeout <= TimeSpan.Zero)
        {
            failures.Add($"Notifications:WebhookTimeout must be positive (was '{options.WebhookTimeout}').");
        }

        if (options.ChannelDownAlertAfter < TimeSpan.FromSeconds(1) || options.ChannelDownAlertAfter > TimeSpan.FromHours(1))
        {
            failures.Add($"Notifications:ChannelDownAlertAfter must be between 00:00:01 and 01:00:00 (was '{options.ChannelDownAlertAfter}').");
        }

        if (options.EscalationCheckInterval < TimeSpan.FromMilliseconds(10) || options.EscalationCheckInterval > TimeSpan.FromMinutes(5))
        {
            failures.Add($"Notifications:EscalationCheckInterval must be between 00:00:00.010 and 00:05:00 (was '{options.EscalationCheckInterval}').");
        }

        if (options.DigestCheckInterval < TimeSpan.FromMilliseconds(10) || options.DigestCheckInterval > TimeSpan.FromMinutes(15))
        {
            failures.Add($"Notifications:DigestCheckInterval must be between 00:00:00.010 and 00:15:00 (was '{options.DigestCheckInterval}').");
        }

        if (string.IsNullOrWhiteSpace(options.OutboxDirectory))
        {
            failures.Add("Notifications:OutboxDirectory must not be empty.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
