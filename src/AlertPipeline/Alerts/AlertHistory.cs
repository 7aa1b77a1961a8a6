using Microsoft.Data.Sqlite;

namespace AlertPipeline.Alerts;

/// <summary>One entry of an alert's history: who did what, when (created, notified, escalated, acknowledged, resolved).</summary>
internal sealed record AlertHistoryEntry(DateTimeOffset At, string Actor, string Action, string? Detail);

/// <summary>The <c>alert_history</c> table: written in the same transaction as the change it records.</summary>
internal static class AlertHistory
{
    public static void Add(SqliteConnection connection, SqliteTransaction transaction, string alertId, DateTimeOffset at, string actor, string action, string? detail)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO alert_history(alert_id, at, actor, action, detail) VALUES ($id, $at, $actor, $action, $detail)";
        command.Parameters.AddWithValue("$id", alertId);
        command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$actor", actor);
        command.Parameters.AddWithValue("$action", action);
        command.Parameters.AddWithValue("$detail", (object?)detail ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    public static IReadOnlyList<AlertHistoryEntry> List(AlertStore store, string alertId)
    {
        using var connection = store.Database.Open();
        using var command = connection.CreateCommand();
        // In time order, as a DSL reads it (a merged event may be older than the alert's creation); id breaks ties.
        command.CommandText = "SELECT at, actor, action, detail FROM alert_history WHERE alert_id = $id ORDER BY at, id";
        command.Parameters.AddWithValue("$id", alertId);
        using var reader = command.ExecuteReader();
        var result = new List<AlertHistoryEntry>();
        while (reader.Read())
        {
            result.Add(new AlertHistoryEntry(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return result;
    }
}
