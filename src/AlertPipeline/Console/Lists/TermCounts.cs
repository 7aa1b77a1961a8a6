namespace AlertPipeline.ConsoleUi.Lists;

internal sealed record TermCount(string Rule, string Category, long Alerts, long FalsePositives, long Resolved);

/// <summary>
/// How often each list rule raised an alert and how often a DSL closed such an alert as a false positive. Counts
/// only: no pupil, school, text or alert id leaves this query, so IT can tune lists without seeing pupils.
/// </summary>
internal sealed class TermCounts(AlertQueries queries)
{
    public IReadOnlyList<TermCount> All()
    {
        using var connection = queries.Database.Open();
        using var command = connection.CreateCommand();
        // CASE guards json_extract: history details written by other code may not be JSON.
        command.CommandText = """
            WITH outcome AS (
                SELECT alert_id, MAX(CASE WHEN json_valid(detail) THEN json_extract(detail, '$.outcome') END) AS outcome
                FROM alert_history WHERE action = 'resolved' GROUP BY alert_id)
            SELECT json_extract(m.value, '$.rule') AS rule, json_extract(m.value, '$.category') AS category,
                   COUNT(DISTINCT a.alert_id),
                   COUNT(DISTINCT CASE WHEN o.outcome = 'false-positive' THEN a.alert_id END),
                   COUNT(DISTINCT CASE WHEN o.outcome IS NOT NULL THEN a.alert_id END)
            FROM alerts a CROSS JOIN json_each(a.matches) m LEFT JOIN outcome o ON o.alert_id = a.alert_id
            WHERE a.is_test = 0
            GROUP BY rule, category ORDER BY 3 DESC, rule
            """;
        using var reader = command.ExecuteReader();
        var result = new List<TermCount>();
        while (reader.Read())
        {
            result.Add(new TermCount(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
        }

        return result;
    }
}
