using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AlertPipeline.Alerts;
using AlertPipeline.Schools;

namespace AlertPipeline.Notifications;

/// <summary>
/// Decides who is told about a new alert at once, by the school's rules: the DSL (every channel of theirs) when the
/// severity is at or above the school's <c>NotifyAtOnce</c>, and while the school is closed also whoever the
/// on-call rota names for that day; held until school hours only if the school chose so for severities below
/// <c>OutOfHoursAtOnce</c> (never urgent or critical); the trust DSL copied from <c>Trust:CopyFrom</c>. Lower
/// severities wait for the digest. Pure given the options.
/// </summary>
internal sealed class NotificationPlanner(SchoolDirectory schools)
{
    public const string EmailChannel = NotificationChannels.Email;

    public IReadOnlyList<OutboxNotification> Plan(Alert alert)
    {
        var school = schools.For(alert.SchoolId);
        if (alert.Severity < school.NotifyAtOnce)
        {
            return [];
        }

        var sendAt = school.SendAt(alert.Severity, alert.CreatedAt);
        var notBefore = sendAt > alert.CreatedAt ? sendAt : (DateTimeOffset?)null;
        var targets = school.Dsl.Targets.ToList();
        // A held notification goes out when school opens, so the DSL is on duty then: the rota is for alerts sent now.
        if (notBefore is null)
        {
            targets.AddRange(school.OnCallAt(alert.CreatedAt).SelectMany(c => c.Targets));
        }

        var trustDsl = schools.TrustDsl;
        if (schools.TrustCopyFrom is { } copy && alert.Severity >= copy && !ReferenceEquals(trustDsl, school.Dsl))
        {
            targets.AddRange(trustDsl.Targets);
        }

        return targets.Distinct().Select(t => OutboxNotification.For(alert.AlertId, t, NotificationKinds.Alert, notBefore)).ToList();
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
