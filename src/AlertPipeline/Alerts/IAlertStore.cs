using System.Data.Common;
using AlertPipeline.Notifications;

namespace AlertPipeline.Alerts;

/// <summary>
/// The alert store as detection and the responder use it, on either provider (SQLite <see cref="AlertStore"/>,
/// PostgreSQL <see cref="PostgresAlertStore"/>; one contract test suite runs against both).
/// </summary>
internal interface IAlertStore
{
    /// <summary>The schema version the store is at.</summary>
    int SchemaVersion { get; }

    /// <summary>Where the store is, for messages: a file path or a PostgreSQL server and database.</summary>
    string Describe { get; }

    /// <summary>
    /// Stores new alerts with their notifications and folds merged events into existing alerts, in one transaction.
    /// Idempotent by event identity: an alert already stored for the same (event, school, device, rule), or a merge
    /// whose event is already counted, changes nothing, however many processes write the same events at once.
    /// Returns the alerts that were new.
    /// </summary>
    IReadOnlyList<Alert> Save(IReadOnlyList<(Alert Alert, IReadOnlyList<OutboxNotification> Notifications)> alerts, IReadOnlyList<AlertMerge> merges);

    /// <summary>The subset of these events already counted in some alert.</summary>
    HashSet<Events.EventKey> KnownEvents(IReadOnlyCollection<Events.EventKey> events);

    /// <summary>A pupil's alerts whose events (first to last) touch [<paramref name="from"/>, <paramref name="to"/>].</summary>
    IReadOnlyList<Alert> OfPupil(string schoolId, string userLogin, DateTimeOffset from, DateTimeOffset to);

    /// <summary>The alert an event was counted in, if any.</summary>
    Alert? OfEvent(Events.EventKey e);

    Alert? Get(string alertId);

    IReadOnlyList<Alert> List(AlertQuery query);

    long Count();

    /// <summary>
    /// A connection to the alert tables, for the alert's life after detection (triage, history, escalation, digests,
    /// the relay, the console's reads): SQL written once for both engines (<c>@name</c> parameters, millisecond
    /// <c>BIGINT</c> times, <see cref="Storage.DbWrites"/> for read-decide-write transactions).
    /// </summary>
    DbConnection Open();
}
