using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using AlertPipeline.Detection;
using AlertPipeline.Storage;

namespace AlertPipeline.Alerts;

/// <summary>
/// One change of an alert as relayed to downstream systems: the alert's <see cref="Version"/> it made (1 = created)
/// and what it was (<c>created</c>, <c>merged</c>, <c>raised</c> — a merge that raised the severity —,
/// <c>acknowledged</c>, <c>assigned</c>, <c>note</c>, <c>escalated</c>, <c>resolved</c>), with the status and severity
/// after it. Never the captured text nor what a DSL wrote.
/// </summary>
internal sealed record AlertChange(
    long Id, string AlertId, long Version, string Change, DateTimeOffset At, string Status, Severity Severity,
    string EventId, string Rule, string SchoolId, string DeviceId, string UserLogin, DateTimeOffset OccurredAt, string Source,
    IReadOnlyList<string> Categories, string ListVersion, DateTimeOffset CreatedAt, bool IsTest);

/// <summary>
/// The alert store as an outbox of changes (ADR 0023): every versioned <c>alert_history</c> row not yet relayed, in
/// id order, handed to a publisher and marked relayed only after the publisher returns (at-least-once; a crash
/// between the two republishes that batch with the same versions, so consumers drop repeats by
/// (alert id, version)). The mark is on the row, not a position: on PostgreSQL ids are taken in one order and
/// committed in another, so a position could step over a row that commits late; an unmarked row is simply taken by
/// a later batch. One relay at a time across the cluster: on PostgreSQL a batch runs in a transaction holding an
/// advisory lock (released if the process dies), and a second responder finds it taken and waits for the next tick;
/// on SQLite there is one responder per data directory.
/// </summary>
internal sealed class AlertChangeFeed(IAlertStore store)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Hands up to <paramref name="max"/> unrelayed changes, oldest first, to <paramref name="publish"/> and marks them
    /// relayed when it completes; if it throws, nothing is marked. Returns how many were relayed (0 also when another
    /// process is relaying right now).
    /// </summary>
    public async Task<int> RelayAsync(int max, Func<IReadOnlyList<AlertChange>, Task> publish)
    {
        using var connection = store.Open();
        var postgres = connection is not Microsoft.Data.Sqlite.SqliteConnection;
        using var transaction = postgres ? connection.BeginTransaction() : null;
        if (postgres && connection.Command("SELECT CASE WHEN pg_try_advisory_xact_lock(hashtext('alertpipeline-alert-relay')) THEN 1 ELSE 0 END", transaction).Long() == 0)
        {
            return 0; // Another responder is relaying.
        }

        var changes = Pending(connection, transaction, max);
        if (changes.Count == 0)
        {
            return 0;
        }

        await publish(changes).ConfigureAwait(false);
        var ids = string.Join(",", changes.Select(c => c.Id.ToString(CultureInfo.InvariantCulture)));
        // The ids are numbers this method just read, not input: inlining them keeps one statement for any batch size.
#pragma warning disable CA2100
        connection.Command($"UPDATE alert_history SET relayed = 1 WHERE id IN ({ids})", transaction).Run();
#pragma warning restore CA2100
        transaction?.Commit();
        return changes.Count;
    }

    /// <summary>How many changes wait to be relayed (for tests and the operator).</summary>
    public long Backlog()
    {
        using var connection = store.Open();
        return connection.Command("SELECT COUNT(*) FROM alert_history WHERE version IS NOT NULL AND relayed = 0").Long();
    }

    private static List<AlertChange> Pending(DbConnection connection, DbTransaction? transaction, int max) =>
        connection.Command("""
                SELECT h.id, h.alert_id, h.version, h.action, h.at, h.status, h.severity,
                       (SELECT p.severity FROM alert_history p WHERE p.alert_id = h.alert_id AND p.version = h.version - 1),
                       a.event_id, a.rule, a.school_id, a.device_id, a.user_login, a.occurred_at, a.source, a.categories,
                       a.list_version, a.created_at, a.is_test
                FROM alert_history h JOIN alerts a ON a.alert_id = h.alert_id
                WHERE h.version IS NOT NULL AND h.relayed = 0
                ORDER BY h.id LIMIT @max
                """, transaction)
            .With("@max", max)
            .Rows(r =>
            {
                var severity = (Severity)Convert.ToInt32(r.GetValue(6), CultureInfo.InvariantCulture);
                var before = r.IsDBNull(7) ? (Severity?)null : (Severity)Convert.ToInt32(r.GetValue(7), CultureInfo.InvariantCulture);
                var action = r.GetString(3);
                return new AlertChange(
                    r.GetInt64(0), r.GetString(1), Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture),
                    action == "merged" && before is { } b && severity > b ? "raised" : action,
                    DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), r.GetString(5), severity,
                    r.GetString(8), r.GetString(9), r.GetString(10), r.GetString(11), r.GetString(12),
                    DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(13)), r.GetString(14),
                    JsonSerializer.Deserialize<List<string>>(r.GetString(15), Json)!, r.GetString(16),
                    DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(17)), Convert.ToInt64(r.GetValue(18), CultureInfo.InvariantCulture) != 0);
            });
}
