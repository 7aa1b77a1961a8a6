using AlertPipeline.Alerts;
using AlertPipeline.Events;
using AlertPipeline.Storage;

namespace AlertPipeline.Replay;

/// <summary>
/// What DSLs decided about the alerts raised on each event (the latest resolution), for a replay to say what a proposed
/// change would have silenced. Read once, read-only, through the alert store in force (the SQLite file or the trust's
/// PostgreSQL); no pupil data leaves it, only the outcome.
/// </summary>
internal static class AlertOutcomes
{
    public static IReadOnlyDictionary<EventKey, string> Read(IAlertStore alerts)
    {
        using var connection = alerts.Open();
        // The latest resolution wins (an alert can be reopened and resolved again); the outcome read is guarded
        // (DbDialect.JsonText): a detail written by other code may not be JSON.
        var rows = connection.Command($"""
                WITH resolved AS (
                    SELECT h.alert_id, {connection.JsonText("h.detail", "outcome")} AS outcome,
                           ROW_NUMBER() OVER (PARTITION BY h.alert_id ORDER BY h.id DESC) AS n
                    FROM alert_history h WHERE h.action = 'resolved')
                SELECT e.school_id, e.device_id, e.event_id, r.outcome
                FROM alert_events e JOIN resolved r ON r.alert_id = e.alert_id
                WHERE r.n = 1 AND r.outcome IS NOT NULL
                """)
            .Rows(r => (Key: new EventKey(r.GetString(0), r.GetString(1), r.GetString(2)), Outcome: r.GetString(3)));
        var result = new Dictionary<EventKey, string>();
        foreach (var (key, outcome) in rows)
        {
            result[key] = outcome;
        }

        return result;
    }
}
