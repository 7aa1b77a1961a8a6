using AlertPipeline.Events;
using AlertPipeline.Storage;

namespace AlertPipeline.Replay;

/// <summary>
/// What DSLs decided about the alerts raised on each event (the latest resolution), for a replay to say what a proposed
/// change would have silenced. Read once, read-only; no pupil data leaves it, only the outcome.
/// </summary>
internal static class AlertOutcomes
{
    public static IReadOnlyDictionary<EventKey, string> Read(string alertsDatabase, string synchronous)
    {
        var result = new Dictionary<EventKey, string>();
        if (!File.Exists(alertsDatabase))
        {
            return result;
        }

        using var connection = new SqliteDatabase(alertsDatabase, synchronous).Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT e.school_id, e.device_id, e.event_id,
                   (SELECT CASE WHEN json_valid(h.detail) THEN json_extract(h.detail, '$.outcome') END
                    FROM alert_history h WHERE h.alert_id = e.alert_id AND h.action = 'resolved' ORDER BY h.id DESC LIMIT 1)
            FROM alert_events e
            """;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (!reader.IsDBNull(3))
            {
                result[new EventKey(reader.GetString(0), reader.GetString(1), reader.GetString(2))] = reader.GetString(3);
            }
        }

        return result;
    }
}
