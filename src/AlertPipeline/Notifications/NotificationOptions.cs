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

    /// <summary>STARTTLS, required (the meaning it had with System.Net.Mail, kept for existing configurations). <see cref="Security"/>, when set, wins.</summary>
    public bool EnableSsl { get; set; }

    /// <summary>Empty (use <see cref="EnableSsl"/>), <c>None</c>, <c>StartTls</c>, <c>StartTlsWhenAvailable</c> or <c>SslOnConnect</c> (port 465).</summary>
    public string Security { get; set; } = string.Empty;

    /// <summary><c>password</c> (<see cref="UserName"/> and <see cref="Password"/>; none when UserName is empty) or <c>oauth2</c> (XOAUTH2 with a token from <see cref="OAuth2"/>).</summary>
    public string Auth { get; set; } = "password";

    /// <summary>The login; with <c>Auth=oauth2</c>, the mailbox the app sends as.</summary>
    public string UserName { get; set; } = string.Empty;

    public string Password { get; set; } = string.Empty;

    public SmtpOAuth2Settings OAuth2 { get; set; } = new();

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool UsesOAuth2 => Auth.Equals("oauth2", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Section <c>Notifications:Smtp:OAuth2</c>: where the SMTP sign-in's bearer token comes from (ADR 0025).</summary>
internal sealed class SmtpOAuth2Settings
{
    public const string ClientCredentials = "client_credentials";
    public const string ServiceAccount = "service_account";

    /// <summary>
    /// <c>client_credentials</c> (Microsoft 365: an app registration's id and secret) or <c>service_account</c>
    /// (Google Workspace: a service account's JSON key with domain-wide delegation, a signed JWT assertion).
    /// </summary>
    public string Grant { get; set; } = ClientCredentials;

    /// <summary>Microsoft 365: <c>https://login.microsoftonline.com/&lt;tenant&gt;/oauth2/v2.0/token</c>. Google: empty (the key file's <c>token_uri</c>).</summary>
    public string TokenEndpoint { get; set; } = string.Empty;

    public string ClientId { get; set; } = string.Empty;

    /// <summary>The secret itself; prefer <see cref="ClientSecretFile"/>, which keeps it out of configuration files and environment listings.</summary>
    public string ClientSecret { get; set; } = string.Empty;

    /// <summary>A file holding only the client secret (a mounted secret); read when a token is requested, so a rotated secret is picked up.</summary>
    public string ClientSecretFile { get; set; } = string.Empty;

    /// <summary>Google Workspace: the service account's JSON key file (client_email, private_key, token_uri).</summary>
    public string ServiceAccountKeyFile { get; set; } = string.Empty;

    /// <summary>Empty: <c>https://outlook.office365.com/.default</c> for client_credentials, <c>https://mail.google.com/</c> for service_account.</summary>
    public string Scope { get; set; } = string.Empty;

    /// <summary>A token is replaced this long before the expiry its issuer gave (at the latest halfway through its life).</summary>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromMinutes(5);

    public bool IsServiceAccount => Grant.Equals(ServiceAccount, StringComparison.OrdinalIgnoreCase);

    public string EffectiveScope => Scope.Length > 0 ? Scope : IsServiceAccount ? "https://mail.google.com/" : "https://outlook.office365.com/.default";
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

        ValidateAuth(options.Smtp, failures);

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

    private static void ValidateAuth(SmtpSettings smtp, List<string> failures)
    {
        const string Key = "Notifications:Smtp:OAuth2";
        if (smtp.Auth.ToLowerInvariant() is not ("password" or "oauth2"))
        {
            failures.Add($"Notifications:Smtp:Auth must be password or oauth2 (was '{smtp.Auth}').");
            return;
        }

        if (!smtp.UsesOAuth2)
        {
            return;
        }

        var oauth = smtp.OAuth2;
        if (smtp.Host.Length == 0)
        {
            failures.Add("Notifications:Smtp:Auth is oauth2 but Notifications:Smtp:Host is empty (OAuth2 signs in to an SMTP server; without one, mail goes to the outbox folder).");
        }

        if (!Schools.TrustOptionsValidator.IsEmail(smtp.UserName))
        {
            failures.Add($"Notifications:Smtp:UserName must be the mailbox the app sends as when Notifications:Smtp:Auth is oauth2 (was '{smtp.UserName}').");
        }

        if (oauth.Grant.ToLowerInvariant() is not (SmtpOAuth2Settings.ClientCredentials or SmtpOAuth2Settings.ServiceAccount))
        {
            failures.Add($"{Key}:Grant must be client_credentials (Microsoft 365) or service_account (Google Workspace) (was '{oauth.Grant}').");
            return;
        }

        if ((oauth.TokenEndpoint.Length > 0 || !oauth.IsServiceAccount) && !IsTokenEndpoint(oauth.TokenEndpoint))
        {
            failures.Add($"{Key}:TokenEndpoint must be an absolute https URL (http only on a loopback address) (was '{oauth.TokenEndpoint}').");
        }

        if (oauth.RefreshBeforeExpiry < TimeSpan.Zero || oauth.RefreshBeforeExpiry > TimeSpan.FromHours(1))
        {
            failures.Add($"{Key}:RefreshBeforeExpiry must be between 00:00:00 and 01:00:00 (was '{oauth.RefreshBeforeExpiry}').");
        }

        if (oauth.IsServiceAccount)
        {
            if (!File.Exists(oauth.ServiceAccountKeyFile))
            {
                failures.Add($"{Key}:ServiceAccountKeyFile must name the service account's JSON key file (was '{oauth.ServiceAccountKeyFile}', which does not exist).");
            }

            return;
        }

        if (oauth.ClientId.Trim().Length == 0)
        {
            failures.Add($"{Key}:ClientId must be the app registration's client id (was empty).");
        }

        if ((oauth.ClientSecret.Length > 0) == (oauth.ClientSecretFile.Length > 0))
        {
            failures.Add($"{Key}: set exactly one of ClientSecret and ClientSecretFile (were {(oauth.ClientSecret.Length > 0 ? "both set" : "both empty")}).");
        }
        else if (oauth.ClientSecretFile.Length > 0 && !File.Exists(oauth.ClientSecretFile))
        {
            failures.Add($"{Key}:ClientSecretFile must name a file holding the client secret (was '{oauth.ClientSecretFile}', which does not exist).");
        }
    }

    /// <summary>The client secret travels to this address: https, or plain http to this machine only (a local token relay, a test).</summary>
    internal static bool IsTokenEndpoint(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));
}
