using System.Globalization;
using AlertPipeline.Notifications;
using AlertPipeline.Schools;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Watchdog;

/// <summary>
/// What happens when a watchdog check turns bad, and when it recovers: an <c>ERROR … SYSTEM ALERT</c> line (console
/// and log file), a system alert in alerts.db (<c>alertpipeline alerts system</c>, <c>/health</c>), and an email to the
/// technical contact. The email goes straight to the sender, not through the outbox: the outbox may be what is
/// stuck, or alerts.db what is damaged. Each step may fail on its own without stopping the others.
/// </summary>
internal sealed partial class WatchdogAlarm(
    IServiceProvider services,
    IEmailSender email,
    IOptions<WatchdogOptions> options,
    IOptions<NotificationOptions> notifications,
    TimeProvider clock,
    ILogger<WatchdogAlarm> logger)
{
    public async Task RaiseAsync(WatchdogFinding finding, CancellationToken cancellationToken)
    {
        LogRaised(finding.Check, finding.Reason);
        var isNew = true;
        try
        {
            isNew = services.GetRequiredService<SystemAlerts>().RaiseWatchdog(finding.Check, finding.Reason);
        }
#pragma warning disable CA1031 // alerts.db may be the problem: the log line above and the email below still go.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogStoreFailed(ex, finding.Check);
        }

        if (isNew)
        {
            await SendAsync(finding, "SYSTEM ALERT", cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task ClearAsync(WatchdogFinding finding, CancellationToken cancellationToken)
    {
        var wasOpen = false;
        try
        {
            wasOpen = services.GetRequiredService<SystemAlerts>().ResolveWatchdog(finding.Check);
        }
#pragma warning disable CA1031 // As above.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogStoreFailed(ex, finding.Check);
        }

        if (wasOpen)
        {
            LogRecovered(finding.Check, finding.Reason);
            await SendAsync(finding, "RECOVERED", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The technical contact, or the trust DSL when none is configured.</summary>
    public string? Recipient()
    {
        if (options.Value.TechnicalContact.Length > 0)
        {
            return options.Value.TechnicalContact;
        }

        return services.GetService<SchoolDirectory>()?.TrustDsl.Targets.FirstOrDefault(t => t.Channel == NotificationChannels.Email)?.Recipient;
    }

    private async Task SendAsync(WatchdogFinding finding, string what, CancellationToken cancellationToken)
    {
        if (Recipient() is not { } to)
        {
            LogNoRecipient(finding.Check);
            return;
        }

        var now = clock.GetUtcNow();
        var id = string.Create(CultureInfo.InvariantCulture, $"wd_{finding.Check}_{(what == "RECOVERED" ? "ok" : "alert")}_{now.ToUnixTimeMilliseconds()}");
        var body = string.Create(CultureInfo.InvariantCulture, $"""
            {what}: watchdog check '{finding.Check}' on {Environment.MachineName} at {now:yyyy-MM-dd HH:mm:ss} UTC.

            {finding.Reason}

            {(what == "RECOVERED" ? "No action is needed." : "Alerts may be late or missing until this is fixed. Open system alerts: alertpipeline alerts system; state: /health/ready.")}
            """);
        using var mail = NotificationEmail.PlainText(
            notifications.Value.FromAddress, to, $"[AlertPipeline] {what}: {finding.Check}", body, id, urgent: what != "RECOVERED");
        mail.Headers.Add("X-AlertPipeline-Kind", "watchdog");
        try
        {
            // Bounded: a mail server that hangs must not hang the watchdog with it.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await email.SendAsync(mail, id, timeout.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A dead mail server must not stop the watchdog; the log line and system alert stand.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogEmailFailed(ex, finding.Check, to);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "SYSTEM ALERT watchdog {Check}: {Reason}")]
    private partial void LogRaised(string check, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watchdog {Check} recovered: {Reason}")]
    private partial void LogRecovered(string check, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Watchdog {Check}: could not record the system alert in alerts.db")]
    private partial void LogStoreFailed(Exception exception, string check);

    [LoggerMessage(Level = LogLevel.Error, Message = "Watchdog {Check}: could not email the technical contact {Recipient}")]
    private partial void LogEmailFailed(Exception exception, string check, string recipient);

    [LoggerMessage(Level = LogLevel.Error, Message = "Watchdog {Check}: no technical contact (Watchdog:TechnicalContact) nor trust DSL email to tell")]
    private partial void LogNoRecipient(string check);
}
