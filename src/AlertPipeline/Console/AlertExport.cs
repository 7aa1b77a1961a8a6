using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AlertPipeline.ConsoleUi;

/// <summary>
/// One alert with its history as a record a safeguarding system (CPOMS, MyConcern) can import: JSON, or CSV with
/// one row per history entry and the alert's fields repeated on each row.
/// </summary>
internal static class AlertExport
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static readonly string[] Header =
    [
        "alert_id", "school_id", "school_name", "pupil_login", "pupil_name", "year_group", "device_id", "occurred_at_utc", "source",
        "app", "url", "severity", "categories", "status", "text", "matched_terms", "list_version",
        "history_at_utc", "history_actor", "history_action", "history_detail",
    ];

    public static string ToJson(AlertDetail alert) => JsonSerializer.Serialize(new
    {
        format = "alertpipeline.alert-export/1",
        alert.AlertId,
        alert.SchoolId,
        alert.SchoolName,
        test = alert.IsTest,
        pupil = alert.Pupil,
        alert.DeviceId,
        alert.OccurredAt,
        alert.CreatedAt,
        alert.Source,
        alert.App,
        alert.Url,
        alert.Severity,
        alert.Categories,
        alert.Status,
        alert.Text,
        matches = alert.Highlights,
        alert.NormalizedText,
        alert.Why,
        alert.ListVersion,
        history = alert.History,
    }, Json);

    /// <summary>
    /// The CSV as a file: UTF-8 with a byte-order mark, without which Excel reads it as the local code page and
    /// mangles names such as Zoë or Łukasz.
    /// </summary>
    public static byte[] ToCsvFile(AlertDetail alert) => [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(ToCsv(alert))];

    /// <summary>
    /// A history entry's detail as a person reads it: the JSON the triage store writes
    /// (<c>{"note":"Spoke to pupil's mum"}</c>) becomes <c>note: Spoke to pupil's mum</c>; anything else is kept as it is.
    /// </summary>
    public static string DetailText(string? detail)
    {
        if (string.IsNullOrEmpty(detail) || detail[0] != '{')
        {
            return detail ?? "";
        }

        try
        {
            using var json = JsonDocument.Parse(detail);
            return string.Join("; ", json.RootElement.EnumerateObject()
                .Where(p => p.Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
                .Select(p => $"{p.Name}: {(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())}"));
        }
        catch (JsonException)
        {
            return detail;
        }
    }

    public static string ToCsv(AlertDetail alert)
    {
        string[] fields =
        [
            alert.AlertId, alert.SchoolId, alert.SchoolName, alert.Pupil.Login, alert.Pupil.DisplayName ?? "", alert.Pupil.YearGroup ?? "",
            alert.DeviceId, alert.OccurredAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), alert.Source, alert.App ?? "", alert.Url ?? "",
            alert.Severity, string.Join(';', alert.Categories), alert.IsTest ? alert.Status + " (test: monitoring check)" : alert.Status, alert.Text,
            string.Join(';', alert.Highlights.Select(h => h.Rule)), alert.ListVersion,
        ];
        return SpreadsheetCsv.Write(Header, alert.History.Select(h =>
            (IReadOnlyList<string>)[.. fields, h.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), h.Actor, h.Action, DetailText(h.Detail)]));
    }
}
