using System.Collections.Concurrent;
using AlertPipeline.Schools;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Notifications;

/// <summary>
/// Sends what the outbox holds, on every channel: at once when signalled, otherwise on each poll. A failed send is
/// retried with exponential back-off (<c>RetryBaseDelay</c> doubling, at most <c>RetryMaxDelay</c>) and survives
/// restarts because the state is in SQLite. After <see cref="NotificationOptions.MaxAttempts"/>, or at once when
/// the channel refuses for good (a webhook's 404), the row is marked failed and a system alert is raised.
/// </summary>
internal sealed partial class NotificationDispatcher(
    INotificationOutbox outbox,
    NotificationComposer composer,
    IEmailSender email,
    WebhookSender webhooks,
    SystemAlerts systemAlerts,
    ChannelHealth channels,
    NotificationSignal signal,
    IOptionsMonitor<NotificationOptions> options,
    TimeProvider clock,
    ILogger<NotificationDispatcher> logger) : BackgroundService
{
    private const int BatchSize = 100;

    // Sent, but the outbox could not record it (the database was down or restarting at that moment). Kept until it is
    // recorded, and never sent again meanwhile: the row is still claimed by this responder, so no other takes it, and
    // this one records it instead of resending when it claims it again. Only a crash of this process in that window
    // can repeat a message (docs/delivery.md).
    private readonly ConcurrentDictionary<string, byte> _sentNotRecorded = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(email.Describe());
        var claimsReleased = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Inside the loop's guard, like every read here: a store that fails at start is retried, not fatal.
                // First: once released, a row sent but not yet recorded could be claimed and sent by another responder.
                RecordEarlierSends();
                if (!claimsReleased)
                {
                    var released = outbox.ReleaseOwnClaims();
                    claimsReleased = true;
                    if (released > 0)
                    {
                        LogReleased(released);
                    }
                }

                // Claimed, not just read: other responders on the same PostgreSQL skip these rows (ADR 0022).
                var due = outbox.Claim(BatchSize);
                // Sends wait on the network (an SMTP handshake per message, a webhook round trip), so several run at
                // once; a batch finishes before the next is claimed, so no row is ever sent by two tasks.
                await Parallel.ForEachAsync(
                    due,
                    new ParallelOptions { MaxDegreeOfParallelism = options.CurrentValue.MaxConcurrentSends, CancellationToken = stoppingToken },
                    async (notification, ct) => await DeliverAsync(notification, ct).ConfigureAwait(false)).ConfigureAwait(false);
                RaiseChannelsDown();

                if (due.Count == BatchSize)
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
                // The batch may have stopped half-way (the store went away mid-batch): its unsent rows are still claimed
                // by this responder. Give them back on the next pass instead of leaving them until the lease runs out.
                claimsReleased = false;
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

    /// <summary>Delivers one notification and records the outcome. Internal for tests that drive the outbox step by step.</summary>
    internal async Task DeliverAsync(DueNotification notification, CancellationToken cancellationToken)
    {
        if (_sentNotRecorded.ContainsKey(notification.NotificationId))
        {
            RecordEarlierSends();
            return;
        }

        var message = composer.Compose(notification);
        if (message is null)
        {
            GiveUp(notification, null, "what it is about no longer exists");
            return;
        }

        try
        {
            if (notification.Channel == NotificationChannels.Email)
            {
                using var mail = NotificationEmail.Compose(message, notification.Recipient, options.CurrentValue.FromAddress);
                await email.SendAsync(mail, notification.NotificationId, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await webhooks.SendAsync(notification.Recipient, notification.Channel, message, cancellationToken).ConfigureAwait(false);
            }

        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (PermanentDeliveryException ex)
        {
            // Refused for this address only (a 550 user unknown, a webhook's 410): the channel itself works.
            GiveUp(notification, message.SchoolId, ex.Message);
            return;
        }
#pragma warning disable CA1031 // Any other failure of a channel means "retry later", never "drop".
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var cause = DeliveryFailure.Describe(ex);
            channels.Failed(ChannelOf(notification), cause, clock.GetUtcNow());
            var attempts = notification.Attempts + 1;
            if (attempts >= options.CurrentValue.MaxAttempts)
            {
                GiveUp(notification, message.SchoolId, cause);
                return;
            }

            var o = options.CurrentValue;
            var delay = TimeSpan.FromTicks((long)Math.Min(o.RetryBaseDelay.Ticks * Math.Pow(2, attempts - 1), o.RetryMaxDelay.Ticks));
            outbox.MarkRetry(notification.NotificationId, clock.GetUtcNow() + delay, cause);
            LogRetry(notification.NotificationId, notification.Recipient, notification.Channel, attempts, delay, cause);
            return;
        }

        // Delivered. Nothing from here on may count as a failed delivery: that would send the message again.
        LogSent(notification.Kind, message.AlertId ?? message.SchoolId, notification.Recipient, notification.Channel);
        TryRecordSent(notification.NotificationId);
        ResolveChannelDown(ChannelOf(notification));
    }

    private void ResolveChannelDown(string channel)
    {
        try
        {
            if (channels.Succeeded(channel) is { } recovered && systemAlerts.Resolve(recovered, "alertpipeline (the channel delivered again)"))
            {
                LogChannelRecovered(channel, recovered);
            }
        }
#pragma warning disable CA1031 // The store is down; the next delivery on this channel resolves it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogLoopFailed(ex);
        }
    }

    /// <summary>
    /// Records a send that has happened. A failure here is not a failed delivery (the recipient has the message): it
    /// must neither retry the send nor count against the channel, so it is remembered and recorded later.
    /// </summary>
    private void TryRecordSent(string notificationId)
    {
        try
        {
            outbox.MarkSent(notificationId);
        }
#pragma warning disable CA1031 // Whatever the store threw, the message is out; remembering that is the only safe move.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _sentNotRecorded[notificationId] = 0;
            LogSentNotRecorded(notificationId, ex.Message);
        }
    }

    /// <summary>Records the sends the outbox missed; throws (to the loop, which waits and tries again) while it still cannot.</summary>
    private void RecordEarlierSends()
    {
        foreach (var notificationId in _sentNotRecorded.Keys)
        {
            outbox.MarkSent(notificationId);
            _sentNotRecorded.TryRemove(notificationId, out _);
        }
    }

    private string ChannelOf(DueNotification notification) => ChannelHealth.ChannelOf(notification, email.Describe());

    /// <summary>
    /// A system alert for each channel that has failed every attempt for <c>ChannelDownAlertAfter</c>. Checked after
    /// every batch and every poll, not only on a failure, so back-off between attempts does not delay it.
    /// </summary>
    private void RaiseChannelsDown()
    {
        var now = clock.GetUtcNow();
        foreach (var (channel, since, cause, failures) in channels.Due(now, options.CurrentValue.ChannelDownAlertAfter))
        {
            var raised = systemAlerts.ChannelDown(channel, since, cause, failures,
                t => ChannelHealth.ChannelOf(new DueNotification(string.Empty, null, t.Recipient, t.Channel, 0), email.Describe()) == channel);
            if (raised is not null)
            {
                channels.Raised(channel, raised.Id);
                LogChannelDown(raised.Id, channel, now - since, failures, cause);
            }
        }
    }

    private void GiveUp(DueNotification notification, string? schoolId, string error)
    {
        outbox.MarkFailed(notification.NotificationId, error);
        var raised = systemAlerts.NotificationGaveUp(notification, string.IsNullOrEmpty(schoolId) ? null : schoolId, error);
        LogGaveUp(notification.NotificationId, notification.Kind, notification.Recipient, notification.Channel, notification.Attempts + 1, error, raised?.Id ?? 0);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Notifications: email goes to {Channel}; webhooks by HTTP")]
    private partial void LogStarted(string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notifications: {NotificationId} was delivered but the outbox could not record it ({Error}); it is recorded when the store answers, and not sent again")]
    private partial void LogSentNotRecorded(string notificationId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notifications: took back {Count} notification(s) this responder had claimed before it stopped; they are sent now")]
    private partial void LogReleased(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent {Kind} about {About} to {Recipient} by {Channel}")]
    private partial void LogSent(string kind, string about, string recipient, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {NotificationId} to {Recipient} by {Channel} failed (attempt {Attempts}); retry in {Delay}: {Error}")]
    private partial void LogRetry(string notificationId, string recipient, string channel, int attempts, TimeSpan delay, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "SYSTEM ALERT {SystemAlertId}: {Kind} notification {NotificationId} to {Recipient} by {Channel} failed for good after {Attempts} attempt(s): {Error}")]
    private partial void LogGaveUp(string notificationId, string kind, string recipient, string channel, int attempts, string error, long systemAlertId);

    [LoggerMessage(Level = LogLevel.Error, Message = "SYSTEM ALERT {SystemAlertId}: {Channel} cannot deliver: every attempt for {Duration} ({Failures} failure(s)) failed; cause: {Cause}")]
    private partial void LogChannelDown(long systemAlertId, string channel, TimeSpan duration, int failures, string cause);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Channel} delivers again; system alert {SystemAlertId} closed")]
    private partial void LogChannelRecovered(string channel, long systemAlertId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification loop failed; retrying")]
    private partial void LogLoopFailed(Exception exception);
}
