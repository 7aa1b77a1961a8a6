using AlertPipeline.Alerts;
using AlertPipeline.Schools;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Notifications;

/// <summary>
/// Sends what the outbox holds: at once when signalled, otherwise on each poll. A failed send is retried with
/// exponential back-off (5 s doubling, at most 15 minutes) and survives restarts because the state is in SQLite;
/// after <see cref="NotificationOptions.MaxAttempts"/> the row is marked failed and logged as an error.
/// </summary>
internal sealed partial class NotificationDispatcher(
    NotificationOutbox outbox,
    AlertStore alerts,
    IEmailSender sender,
    NotificationSignal signal,
    IOptionsMonitor<NotificationOptions> options,
    IOptionsMonitor<TrustOptions> trust,
    TimeProvider clock,
    ILogger<NotificationDispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(sender.Describe());
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var due = outbox.Due(100);
                foreach (var notification in due)
                {
                    await DeliverAsync(notification, stoppingToken).ConfigureAwait(false);
                }

                if (due.Count == 100)
                {
                    continue; // More are waiting: no pause.
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // The dispatcher must outlive a failing database read; the outbox keeps the work.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogLoopFailed(ex);
            }

            try
            {
                await signal.WaitAsync(options.CurrentValue.PollInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Delivers one notification and records the outcome. Public for tests that drive the outbox step by step.</summary>
    internal async Task DeliverAsync(DueNotification notification, CancellationToken cancellationToken)
    {
        var alert = alerts.Get(notification.AlertId);
        if (alert is null)
        {
            outbox.MarkFailed(notification.NotificationId, "alert not found");
            return;
        }

        try
        {
            using var message = AlertEmail.Compose(alert, notification.Recipient, options.CurrentValue, trust.CurrentValue);
            await sender.SendAsync(message, notification.NotificationId, cancellationToken).ConfigureAwait(false);
            outbox.MarkSent(notification.NotificationId);
            LogSent(alert.AlertId, alert.Severity.ToString(), notification.Recipient);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Any failure of a channel means "retry later", never "drop".
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var attempts = notification.Attempts + 1;
            if (attempts >= options.CurrentValue.MaxAttempts)
            {
                outbox.MarkFailed(notification.NotificationId, ex.Message);
                LogGaveUp(ex, notification.NotificationId, notification.Recipient, attempts);
                return;
            }

            var delay = TimeSpan.FromSeconds(Math.Min(5 * Math.Pow(2, attempts - 1), 900));
            outbox.MarkRetry(notification.NotificationId, clock.GetUtcNow() + delay, ex.Message);
            LogRetry(notification.NotificationId, notification.Recipient, attempts, delay, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Notifications go to {Channel}")]
    private partial void LogStarted(string channel);

    [LoggerMessage(Level = LogLevel.Information, Message = "Notified {Recipient} of alert {AlertId} ({Severity})")]
    private partial void LogSent(string alertId, string severity, string recipient);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {NotificationId} to {Recipient} failed (attempt {Attempts}); retry in {Delay}: {Error}")]
    private partial void LogRetry(string notificationId, string recipient, int attempts, TimeSpan delay, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "SYSTEM ALERT: notification {NotificationId} to {Recipient} failed {Attempts} times and is marked failed")]
    private partial void LogGaveUp(Exception exception, string notificationId, string recipient, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification loop failed; retrying")]
    private partial void LogLoopFailed(Exception exception);
}
