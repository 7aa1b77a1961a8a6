using AlertPipeline.Alerts;

namespace AlertPipeline.Tests.Support;

/// <summary>The embedded transport's dead letters as stored in alerts.db (event id, reason, payload as text), in position order.</summary>
internal static class DeadLetterRows
{
    public static List<(string EventId, string Reason, string Payload)> Read(AlertStore alerts)
    {
        using var connection = alerts.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'dead_letters'";
        if ((long)command.ExecuteScalar()! == 0)
        {
            return []; // Created with the first dead letter.
        }

        command.CommandText = "SELECT event_id, reason, CAST(payload AS TEXT) FROM dead_letters ORDER BY partition_id, position";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return rows;
    }
}
