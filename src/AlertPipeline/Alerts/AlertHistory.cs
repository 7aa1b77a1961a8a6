using System.Data.Common;
using AlertPipeline.Storage;

namespace AlertPipeline.Alerts;

/// <summary>One entry of an alert's history: who did what, when (created, notified, escalated, acknowledged, resolved).</summary>
internal sealed record AlertHistoryEntry(DateTimeOffset At, string Actor, string Action, string? Detail);

/// <summary>
/// The <c>alert_history</c> table: written in the same transaction as the change it records, on either engine. Every
/// entry is a change of the alert and takes its next version (<c>alerts.version</c>, 1 when created), recorded on the
/// entry with the status and severity after it: the Kafka relay publishes each entry once as that version of the
/// alert (ADR 0023), so consumers can order changes and drop repeats.
/// </summary>
internal static class AlertHistory
{
    /// <summary>The entry of a new alert (version 1, which the alert's row starts at).</summary>
    public static void Created(DbConnection connection, DbTransaction transaction, Alert alert, string detail) =>
        connection.Command("""
            INSERT INTO alert_history(alert_id, at, actor, action, detail, version, status, severity)
            VALUES (@id, @at, 'system', 'created', @detail, 1, @status, @severity)
            """, transaction)
            .With("@id", alert.AlertId).With("@at", alert.CreatedAt.ToUnixTimeMilliseconds()).With("@detail", detail)
            .With("@status", alert.Status).With("@severity", (int)alert.Severity).Run();

    /// <summary>
    /// Records a change already made to the alert's row in <paramref name="transaction"/> (its status or severity are
    /// read back from it) and gives the alert its next version. Returns the entry's id (the audit log points at it).
    /// </summary>
    public static long Add(DbConnection connection, DbTransaction transaction, string alertId, DateTimeOffset at, string actor, string action, string? detail)
    {
        // The UPDATE locks the alert's row until commit (on both engines), so two changes of one alert get versions in
        // the order they commit, and an entry with a higher version never becomes visible before a lower one.
        var (version, status, severity) = connection.Command(
                "UPDATE alerts SET version = version + 1 WHERE alert_id = @id RETURNING version, status, severity", transaction)
            .With("@id", alertId)
            .Rows(r => (Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), r.GetString(1), Convert.ToInt32(r.GetValue(2), System.Globalization.CultureInfo.InvariantCulture)))
            .Single();
        return connection.Command("""
            INSERT INTO alert_history(alert_id, at, actor, action, detail, version, status, severity)
            VALUES (@id, @at, @actor, @action, @detail, @version, @status, @severity) RETURNING id
            """, transaction)
            .With("@id", alertId).With("@at", at.ToUnixTimeMilliseconds()).With("@actor", actor).With("@action", action)
            .With("@detail", detail).With("@version", version).With("@status", status).With("@severity", severity).Long();
    }

    public static IReadOnlyList<AlertHistoryEntry> List(IAlertStore store, string alertId)
    {
        using var connection = store.Open();
        // In time order, as a DSL reads it (a merged event may be older than the alert's creation); id breaks ties.
        return connection.Command("SELECT at, actor, action, detail FROM alert_history WHERE alert_id = @id ORDER BY at, id")
            .With("@id", alertId)
            .Rows(r => new AlertHistoryEntry(DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0)), r.GetString(1), r.GetString(2), r.NullableString(3)));
    }

    /// <summary>The alert's version: how many changes it has had (1 when created).</summary>
    public static long Version(IAlertStore store, string alertId)
    {
        using var connection = store.Open();
        return connection.Command("SELECT version FROM alerts WHERE alert_id = @id").With("@id", alertId).Long();
    }
}
