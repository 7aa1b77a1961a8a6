using System.Security.Cryptography;
using System.Text;
using AlertPipeline.Alerts;
using AlertPipeline.Schools;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Notifications;

/// <summary>A notification to write to the outbox with its alert. The id is derived, so a replay writes the same row.</summary>
internal sealed record OutboxNotification(string NotificationId, string Recipient, string Channel)
{
    public static OutboxNotification For(string alertId, string recipient, string channel) => new(
        "nt_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{alertId}\n{recipient}\n{channel}")))[..20],
        recipient, channel);
}

/// <summary>Decides who is told about an alert at once. Pure given the options.</summary>
internal sealed class NotificationPlanner(IOptionsMonitor<NotificationOptions> notifications, IOptionsMonitor<TrustOptions> trust)
{
    public const string EmailChannel = "email";

    public IReadOnlyList<OutboxNotification> Plan(Alert alert)
    {
        if (alert.Severity < notifications.CurrentValue.Minimum)
        {
            return [];
        }

        var t = trust.CurrentValue;
        var recipient = t.Schools.TryGetValue(alert.SchoolId, out var school) && school.DslEmail.Length > 0
            ? school.DslEmail
            : t.DslEmail;
        return [OutboxNotification.For(alert.AlertId, recipient, EmailChannel)];
    }
}

/// <summary>Wakes the dispatcher as soon as new notifications are committed, so "at once" does not wait for a poll.</summary>
internal sealed class NotificationSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up covers every notification written so far.
        }
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _signal.Dispose();
}
