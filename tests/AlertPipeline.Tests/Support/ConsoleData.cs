using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Ingest.Screenshots;

namespace AlertPipeline.Tests.Support;

/// <summary>Alerts written straight into the real alert store (no detection wait) for console tests.</summary>
internal static class ConsoleData
{
    /// <summary>The smallest valid PNG: 1x1, for a stored screenshot.</summary>
    public static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    public static Alert SaveAlert(
        TestHost host,
        string school = "oakfield",
        string login = "oak.y9.jsmith",
        string text = "i want to die",
        string category = "suicide",
        Severity severity = Severity.Urgent,
        bool screenshot = true,
        DateTimeOffset? at = null,
        string? screenshotRef = null,
        bool modelOnly = false)
    {
        var shot = screenshotRef;
        if (screenshot && shot is null)
        {
            (shot, _) = host.App.Services.GetRequiredService<ScreenshotStore>().SaveAsync(Png, "image/png", school).GetAwaiter().GetResult();
        }

        var when = at ?? DateTimeOffset.UtcNow;
        var eventId = Some.EventId();
        // A model-only alert: rule family "model", its match named after the model's category head (AlertFactory).
        var rule = modelOnly ? $"model/{category}" : $"{category}/{text}";
        var family = modelOnly ? "model" : "keywords";
        var alert = new Alert(Alert.IdFor(new AlertPipeline.Events.EventKey(school, "OAK-LT-0001", eventId), family), eventId, family, school, "OAK-LT-0001", login, when, "typed", "chrome",
            "https://example.org/page", shot, text, text, [category], severity,
            [new AlertMatch(text, category, severity.ToName(), 0, text.Length, text, rule)], "test-lists", AlertStatus.New, when, when);
        host.App.Services.GetRequiredService<IAlertStore>().Save([(alert, [])], []); // the host's store: a SQLite file or PostgreSQL
        return alert;
    }

    /// <summary>A copy of the repository's lists in the test's data directory, so edits never touch the shared ones.</summary>
    public static string CopyLists(string dataDirectory)
    {
        var target = Path.Combine(dataDirectory, "keywords");
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "seeds", "keywords"), "*.csv"))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        return target;
    }
}
