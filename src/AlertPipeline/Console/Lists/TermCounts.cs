namespace AlertPipeline.ConsoleUi.Lists;

/// <summary>
/// Alerts one list rule or model band raised, how many a DSL resolved, and how many of those were false positives.
/// <see cref="Band"/> is the severity band of a model rule (<c>model/suicide</c> at <c>high</c>: the scores from that band's
/// threshold up to the next), null for a list rule. <see cref="Precision"/>: the share of resolved alerts that were not false
/// positives, null until one is resolved.
/// </summary>
internal sealed record TermCount(string Rule, string Category, string? Band, long Alerts, long FalsePositives, long Resolved)
{
    public double? Precision => Resolved == 0 ? null : (double)(Resolved - FalsePositives) / Resolved;
}

/// <summary>
/// How often each list rule and each model band raised an alert and how often a DSL closed such an alert as a false
/// positive, most false positives first: where tuning pays (issue 13, "learning from DSLs"). Counts only: no pupil,
/// school, text or alert id leaves this query, so IT can tune lists and thresholds without seeing pupils.
/// </summary>
internal sealed class TermCounts(AlertQueries queries)
{
    public IReadOnlyList<TermCount> All()
    {
        using var connection = queries.Database.Open();
        using var command = connection.CreateCommand();
        // CASE guards json_extract: history details written by other code may not be JSON. A model match's severity is
        // the band its score reached, so model rules are counted per band; a list rule's severity is its entry's.
        command.CommandText = """
            WITH outcome AS (
                SELECT alert_id, MAX(CASE WHEN json_valid(detail) THEN json_extract(detail, '$.outcome') END) AS outcome
                FROM alert_history WHERE action = 'resolved' GROUP BY alert_id),
            hit AS (
                SELECT a.alert_id, json_extract(m.value, '$.rule') AS rule, json_extract(m.value, '$.category') AS category,
                       CASE WHEN json_extract(m.value, '$.rule') LIKE 'model/%' THEN json_extract(m.value, '$.severity') END AS band
                FROM alerts a CROSS JOIN json_each(a.matches) m WHERE a.is_test = 0)
            SELECT h.rule, h.category, h.band,
                   COUNT(DISTINCT h.alert_id),
                   COUNT(DISTINCT CASE WHEN o.outcome = 'false-positive' THEN h.alert_id END),
                   COUNT(DISTINCT CASE WHEN o.outcome IS NOT NULL THEN h.alert_id END)
            FROM hit h LEFT JOIN outcome o ON o.alert_id = h.alert_id
            GROUP BY h.rule, h.category, h.band ORDER BY 5 DESC, 4 DESC, h.rule
            """;
        using var reader = command.ExecuteReader();
        var result = new List<TermCount>();
        while (reader.Read())
        {
            result.Add(new TermCount(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
        }

        return result;
    }
}
