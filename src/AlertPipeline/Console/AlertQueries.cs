using AlertPipeline.Triage;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Storage;

namespace AlertPipeline.ConsoleUi;

/// <summary>
/// What the queue shows of an alert: enough to choose which to open. <see cref="Snippet"/> is the short excerpt
/// around the match that detection stored (emptied by retention), not the whole text; no screenshot.
/// </summary>
internal sealed record AlertSummary(
    string AlertId,
    string SchoolId,
    string UserLogin,
    string DeviceId,
    DateTimeOffset OccurredAt,
    string Source,
    IReadOnlyList<string> Categories,
    string Severity,
    int SeverityLevel,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string Snippet = "",
    bool ModelOnly = false);

/// <summary>The queue's filters, as typed in the page or the query string. Empty fields do not filter.</summary>
internal sealed record AlertFilter(
    string? School = null,
    string? Severity = null,
    string? Category = null,
    string? Status = null,
    string? Pupil = null,
    DateOnly? From = null,
    DateOnly? To = null,
    int Limit = 200,
    int Offset = 0)
{
    public const string Open = "open";

    public static readonly IReadOnlyList<string> Statuses = [Open, AlertStatus.New, AlertStatus.Acknowledged, TriageStatus.Escalated, AlertStatus.Resolved, "all"];

    /// <summary>Parses the query string; returns an error naming the bad parameter and value.</summary>
    public static (AlertFilter? Filter, string? Error) Parse(IQueryCollection query)
    {
        string? Get(string name) => query[name].FirstOrDefault() is { Length: > 0 } v ? v.Trim() : null;
        var severity = Get("severity");
        if (severity is not null && !SeverityNames.TryParse(severity, out _))
        {
            return (null, $"severity must be one of low, medium, high, urgent, critical (was '{severity}')");
        }

        var status = Get("status") ?? Open;
        if (!Statuses.Contains(status, StringComparer.Ordinal))
        {
            return (null, $"status must be one of {string.Join(", ", Statuses)} (was '{status}')");
        }

        DateOnly? from = null, to = null;
        foreach (var (name, set) in new (string, Action<DateOnly>)[] { ("from", d => from = d), ("to", d => to = d) })
        {
            if (Get(name) is { } text)
            {
                if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    return (null, $"{name} must be a date yyyy-MM-dd (was '{text}')");
                }

                set(date);
            }
        }

        var limit = 200;
        if (Get("limit") is { } l && (!int.TryParse(l, NumberStyles.Integer, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            return (null, $"limit must be from 1 to 1000 (was '{l}')");
        }

        var offset = 0;
        if (Get("offset") is { } o && (!int.TryParse(o, NumberStyles.Integer, CultureInfo.InvariantCulture, out offset) || offset is < 0 or > 10_000_000))
        {
            return (null, $"offset must be from 0 to 10000000 (was '{o}')");
        }

        return (new AlertFilter(Get("school"), severity, Get("category"), status, Get("pupil"), from, to, limit, offset), null);
    }
}

/// <summary>
/// The console's read queries over the alert store (SQLite or PostgreSQL, SQL written once). Written here, beside the pages that need them, rather than
/// on <see cref="AlertStore"/>: each says exactly what it reads, and every caller passes the school scope of the
/// user, so a query cannot forget it.
/// </summary>
internal sealed class AlertQueries(IAlertStore store)
{
    private const string SummaryColumns = "alert_id, school_id, user_login, device_id, occurred_at, source, categories, severity, status, created_at, updated_at, snippet, rule";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A connection to the alert tables (SQLite or PostgreSQL), for the console's other read-only counts.</summary>
    public DbConnection Open() => store.Open();

    /// <param name="scope">The schools the user may see; null for every school (trust-wide).</param>
    public IReadOnlyList<AlertSummary> List(AlertFilter filter, IReadOnlyList<string>? scope) => Page(filter, scope).Alerts;

    /// <summary>One page of the queue and how many alerts match in all, so a page never passes for the whole.</summary>
    public (IReadOnlyList<AlertSummary> Alerts, int Total) Page(AlertFilter filter, IReadOnlyList<string>? scope)
    {
        using var connection = store.Open();
        using var command = connection.CreateCommand();
        // A monitoring check's test alerts are never in a DSL's queue: the log of checks shows them.
        var where = new List<string> { "is_test = 0" };
        AddScope(command, where, scope);
        if (filter.School is not null)
        {
            where.Add("school_id = @school");
            command.With("@school", filter.School);
        }

        if (filter.Severity is not null && SeverityNames.TryParse(filter.Severity, out var min))
        {
            where.Add("severity >= @min");
            command.With("@min", (int)min);
        }

        if (filter.Category is not null)
        {
            where.Add(connection.JsonArrayHas("categories", "@category"));
            command.With("@category", filter.Category);
        }

        switch (filter.Status)
        {
            case null or "all":
                break;
            case AlertFilter.Open:
                where.Add("status <> 'resolved'");
                break;
            default:
                where.Add("status = @status");
                command.With("@status", filter.Status);
                break;
        }

        if (filter.Pupil is not null)
        {
            where.Add(connection.Contains("lower(user_login)", "lower(@pupil)"));
            command.With("@pupil", filter.Pupil);
        }

        if (filter.From is { } from)
        {
            where.Add("occurred_at >= @from");
            command.With("@from", new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds());
        }

        if (filter.To is { } to)
        {
            where.Add("occurred_at < @to");
            command.With("@to", new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds());
        }

        command.CommandText = $"SELECT COUNT(*) FROM alerts {Where(where)}";
        var total = Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        // Most severe first, then newest: a new critical alert goes to the top; a new low one waits below older urgent ones.
        command.CommandText = $"SELECT {SummaryColumns} FROM alerts {Where(where)} ORDER BY severity DESC, occurred_at DESC, alert_id LIMIT @limit OFFSET @offset";
        command.With("@limit", filter.Limit).With("@offset", filter.Offset);
        return (ReadSummaries(command), total);
    }

    public Alert? Get(string alertId) => store.Get(alertId);

    public IReadOnlyList<AlertHistoryEntry> History(string alertId) => AlertHistory.List(store, alertId);

    /// <summary>The pupil's other alerts at the same school, newest first.</summary>
    public IReadOnlyList<AlertSummary> PupilTimeline(Alert alert, int max = 50)
    {
        using var connection = store.Open();
        return connection.Command($"""
                SELECT {SummaryColumns} FROM alerts
                WHERE user_login = @login AND school_id = @school AND alert_id <> @id
                ORDER BY occurred_at DESC LIMIT @max
                """)
            .With("@login", alert.UserLogin).With("@school", alert.SchoolId).With("@id", alert.AlertId).With("@max", max)
            .Rows(r => ReadSummary(r, 0));
    }

    /// <summary>The ids of the alerts of pupils whose login contains <paramref name="pupil"/>, within the user's scope.</summary>
    public IReadOnlyCollection<string> AlertIdsForPupil(string pupil, IReadOnlyList<string>? scope)
    {
        using var connection = store.Open();
        var command = connection.CreateCommand();
        var where = new List<string> { connection.Contains("lower(user_login)", "lower(@pupil)") };
        command.With("@pupil", pupil);
        AddScope(command, where, scope);
        command.CommandText = $"SELECT alert_id FROM alerts {Where(where)} LIMIT 10000";
        return command.Rows(r => r.GetString(0));
    }

    /// <summary>
    /// Alerts stored after row <paramref name="afterRow"/> (insertion order, <see cref="DbDialect.AlertRowOrder"/>) or
    /// changed at or after <paramref name="changedSince"/> (ms).
    /// </summary>
    public IReadOnlyList<(long Row, AlertSummary Alert)> Changes(long afterRow, long changedSince)
    {
        using var connection = store.Open();
        var row = connection.AlertRowOrder();
        return connection.Command($"SELECT {row}, {SummaryColumns} FROM alerts WHERE ({row} > @row OR updated_at >= @since) AND is_test = 0 ORDER BY {row} LIMIT 1000")
            .With("@row", afterRow).With("@since", changedSince)
            .Rows(r => (r.GetInt64(0), ReadSummary(r, 1)));
    }

    public (long Row, long Updated) Position()
    {
        using var connection = store.Open();
        return connection.Command($"SELECT COALESCE(MAX({connection.AlertRowOrder()}), 0), COALESCE(MAX(updated_at), 0) FROM alerts")
            .Rows(r => (Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture)))
            .Single();
    }

    internal static void AddScope(DbCommand command, List<string> where, IReadOnlyList<string>? scope)
    {
        if (scope is null)
        {
            return;
        }

        // An empty scope must match nothing, never everything.
        var names = scope.Select((s, i) => { command.With($"@scope{i}", s); return $"@scope{i}"; }).ToList();
        where.Add(names.Count == 0 ? "1 = 0" : $"school_id IN ({string.Join(", ", names)})");
    }

    internal static string Where(List<string> where) => where.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", where);

    private static List<AlertSummary> ReadSummaries(DbCommand command)
    {
        using var reader = command.ExecuteReader();
        var result = new List<AlertSummary>();
        while (reader.Read())
        {
            result.Add(ReadSummary(reader, 0));
        }

        return result;
    }

    private static AlertSummary ReadSummary(DbDataReader r, int o)
    {
        var severity = (Severity)r.GetInt32(o + 7);
        return new AlertSummary(r.GetString(o), r.GetString(o + 1), r.GetString(o + 2), r.GetString(o + 3),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(o + 4)), r.GetString(o + 5),
            JsonSerializer.Deserialize<List<string>>(r.GetString(o + 6), Json)!, severity.ToName(), (int)severity,
            r.GetString(o + 8), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(o + 9)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(o + 10)),
            r.IsDBNull(o + 11) ? "" : r.GetString(o + 11),
            ModelOnly: r.GetString(o + 12) == AlertPipeline.Detection.AlertFactory.ModelRule);
    }
}
