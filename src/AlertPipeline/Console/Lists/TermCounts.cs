using AlertPipeline.Storage;

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
        using var connection = queries.Open();
        var sqlite = connection is Microsoft.Data.Sqlite.SqliteConnection;
        // Each match of an alert, one row each: the engines unnest a JSON array differently.
        var hits = sqlite
            ? """
                SELECT a.alert_id, json_extract(m.value, '$.rule') AS rule, json_extract(m.value, '$.category') AS category,
                       CASE WHEN json_extract(m.value, '$.rule') LIKE 'model/%' THEN json_extract(m.value, '$.severity') END AS band
                FROM alerts a CROSS JOIN json_each(a.matches) m WHERE a.is_test = 0
                """
            : """
                SELECT a.alert_id, m.value ->> 'rule' AS rule, m.value ->> 'category' AS category,
                       CASE WHEN m.value ->> 'rule' LIKE 'model/%' THEN m.value ->> 'severity' END AS band
                FROM alerts a CROSS JOIN LATERAL jsonb_array_elements(a.matches::jsonb) AS m(value) WHERE a.is_test = 0
                """;
        // The outcome is guarded (DbDialect.JsonText): history details written by other code may not be JSON. A model
        // match's severity is the band its score reached, so model rules are counted per band; a list rule's severity is its entry's.
        var result = connection.Command($"""
                WITH outcome AS (
                    SELECT alert_id, MAX({connection.JsonText("detail", "outcome")}) AS outcome
                    FROM alert_history WHERE action = 'resolved' GROUP BY alert_id),
                hit AS ({hits})
                SELECT h.rule, h.category, h.band,
                       COUNT(DISTINCT h.alert_id),
                       COUNT(DISTINCT CASE WHEN o.outcome = 'false-positive' THEN h.alert_id END),
                       COUNT(DISTINCT CASE WHEN o.outcome IS NOT NULL THEN h.alert_id END)
                FROM hit h LEFT JOIN outcome o ON o.alert_id = h.alert_id
                GROUP BY h.rule, h.category, h.band ORDER BY 5 DESC, 4 DESC, h.rule
                """)
            .Rows(r => new TermCount(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : Convert.ToString(r.GetValue(2), System.Globalization.CultureInfo.InvariantCulture),
                r.GetInt64(3), r.GetInt64(4), r.GetInt64(5)));
        return result;
    }
}
