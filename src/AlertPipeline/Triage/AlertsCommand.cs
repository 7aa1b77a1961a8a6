using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Storage;

namespace AlertPipeline.Triage;

/// <summary><c>alertpipeline alerts list</c>: alerts from the store, one JSON object per line or a table.</summary>
internal static class AlertsCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // Output is a terminal or a file, never HTML: keep '+' and non-ASCII readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create(Func<CliArgs, ServiceProvider> offlineServices)
    {
        CliOption[] store = [CliOption.DataDir, CliOption.Config];
        var alertId = new CliPositional("ALERT_ID", "the alert's id, from 'alerts list'");
        var by = new CliOption("by", "who does it (written to the audit log)", "USER");
        return CliCommand.Group("alerts", "alerts in the store, and the console's triage actions from a terminal",
            CliCommand.Leaf("list", "alerts from the store, as a table or one JSON object per line",
                [.. store, CliOption.Choice("format", "the output", "table", "json"), new("school", "only this school's alerts", "ID"),
                 new("min-severity", "only alerts at least this severe", "low|medium|high|urgent|critical"), new("status", "only alerts in this status", "STATUS"),
                 new("limit", "at most this many alerts", "N")],
                (args, io) => List(args, io.Output, offlineServices)),
            CliCommand.Leaf("ack", "acknowledge an alert: stops the escalation chain", [.. store, by], (args, io) => TriageCommand.Acknowledge(args, io.Output, offlineServices), alertId),
            CliCommand.Leaf("resolve", "close an alert with its outcome",
                [.. store, by, new("outcome", "the outcome", string.Join('|', Triage.TriageOutcomes.All)), new("reference", "a case reference, e.g. CPOMS-123", "REF"), new("note", "a note", "TEXT")],
                (args, io) => TriageCommand.Resolve(args, io.Output, offlineServices), alertId),
            CliCommand.Leaf("system", "open system alerts (e.g. a channel that keeps failing); --resolve ID --by USER closes one",
                [.. store, new("resolve", "close this system alert", "ID"), by], (args, io) => TriageCommand.SystemAlerts(args, io.Output, offlineServices)));
    }

    private static int List(CliArgs args, TextWriter output, Func<CliArgs, ServiceProvider> offlineServices)
    {
        args.NoPositionals();
        var format = args.Choice("format", "table", "table", "json");
        Severity? min = null;
        if (args.Get("min-severity") is { } minText)
        {
            min = SeverityNames.TryParse(minText, out var s) ? s
                : throw new CliException($"alerts list: --min-severity must be one of low, medium, high, urgent, critical (was '{minText}')");
        }

        using var services = offlineServices(args);
        var store = AlertServices.RequireStore(services, "alerts list");
        var alerts = store.List(new AlertQuery(args.Get("school"), min, args.Get("status"), args.GetInt("limit", 100_000, 1, 10_000_000)));
        foreach (var a in alerts)
        {
            if (format == "json")
            {
                output.WriteLine(JsonSerializer.Serialize(ToJson(a), Json));
            }
            else
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{a.AlertId}  {a.OccurredAt:yyyy-MM-dd HH:mm:ss}  {a.Severity.ToName(),-8}  {string.Join(",", a.Categories),-28}  {a.SchoolId,-10}  {a.UserLogin,-20}  {a.Status,-12} x{a.EventCount}{(a.IsTest ? "  TEST" : "")}"));
            }
        }

        if (format == "table")
        {
            output.WriteLine($"{alerts.Count} alert(s) in {store.Describe}");
        }

        return 0;
    }

    /// <summary>The JSON shape of an alert for the CLI (documented in README).</summary>
    public static object ToJson(Alert a) => new
    {
        alertId = a.AlertId,
        eventId = a.EventId,
        rule = a.Rule,
        userLogin = a.UserLogin,
        schoolId = a.SchoolId,
        deviceId = a.DeviceId,
        occurredAt = a.OccurredAt.ToString("O", CultureInfo.InvariantCulture),
        source = a.Source,
        app = a.App,
        url = a.Url,
        categories = a.Categories,
        severity = a.Severity.ToName(),
        status = a.Status,
        screenshotRef = a.ScreenshotRef,
        matches = a.Matches.Select(m => new { term = m.Term, category = m.Category, severity = m.Severity, start = m.Start, length = m.Length, text = m.Text }),
        eventCount = a.EventCount,
        lastEventAt = a.LastEventAt.ToString("O", CultureInfo.InvariantCulture),
        snippet = a.Snippet,
        listVersion = a.ListVersion,
        createdAt = a.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
        isTest = a.IsTest,
    };
}
