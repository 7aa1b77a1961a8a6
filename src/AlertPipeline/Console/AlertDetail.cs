using System.Globalization;
using System.Text;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Schools;
using Microsoft.Extensions.Options;

namespace AlertPipeline.ConsoleUi;

/// <summary>A matched span of the pupil's original text, and the list rule that matched it.</summary>
internal sealed record HighlightSpan(int Start, int Length, string MatchedText, string Term, string Category, string Severity, string Rule);

/// <summary>The pupil as the roster knows them; SEND, looked-after and EAL are for DSL roles, who alone may open an alert.</summary>
internal sealed record PupilInfo(string Login, string? DisplayName, string? YearGroup, bool OnRoster, string? Form = null, string? Send = null, bool LookedAfter = false, bool Eal = false);

/// <summary>Everything a DSL needs to judge one alert, on one screen.</summary>
internal sealed record AlertDetail(
    string AlertId,
    string SchoolId,
    string SchoolName,
    PupilInfo Pupil,
    string DeviceId,
    DateTimeOffset OccurredAt,
    DateTimeOffset CreatedAt,
    string Source,
    string? App,
    string? Url,
    string Text,
    IReadOnlyList<HighlightSpan> Highlights,
    string NormalizedText,
    string Severity,
    IReadOnlyList<string> Categories,
    string Status,
    string ListVersion,
    string Why,
    bool HasScreenshot,
    bool Graphic,
    IReadOnlyList<AlertHistoryEntry> History,
    IReadOnlyList<AlertSummary> Timeline)
{
    /// <summary>A monitoring check's test alert (the school's designated test pupil): every view and export says so.</summary>
    public bool IsTest { get; init; }
}

internal sealed class AlertDetailBuilder(AlertQueries queries, Roster roster, DetectorHolder detectors, Model.ModelHolder models, IOptions<TrustOptions> trust, IOptions<ConsoleOptions> options)
{
    public AlertDetail Build(Alert alert)
    {
        var pupil = roster.Find(alert.UserLogin);
        var highlights = alert.Matches
            .Where(m => m.Start >= 0 && m.Length > 0 && m.Start + m.Length <= alert.Text.Length)
            .OrderBy(m => m.Start)
            .Select(m => new HighlightSpan(m.Start, m.Length, alert.Text.Substring(m.Start, m.Length), m.Term, m.Category, m.Severity, m.Rule))
            .ToList();
        return new AlertDetail(
            alert.AlertId, alert.SchoolId, SchoolName(alert.SchoolId),
            new PupilInfo(alert.UserLogin, pupil?.DisplayName, pupil?.YearGroup, pupil is not null, pupil?.Form, pupil?.Send, pupil?.LookedAfter ?? false, pupil?.Eal ?? false),
            alert.DeviceId, alert.OccurredAt, alert.CreatedAt, alert.Source, alert.App, alert.Url,
            alert.Text, highlights, alert.NormalizedText, alert.Severity.ToName(), alert.Categories, alert.Status,
            alert.ListVersion, Why(alert), alert.ScreenshotRef is not null,
            alert.Categories.Any(c => options.Value.GraphicCategories.Contains(c, StringComparer.Ordinal)),
            queries.History(alert.AlertId), queries.PupilTimeline(alert)) { IsTest = alert.IsTest };
    }

    public string SchoolName(string schoolId) =>
        trust.Value.Schools.TryGetValue(schoolId, out var school) && school.Name.Length > 0 ? school.Name : schoolId;

    /// <summary>
    /// The detector's own explanation, from scanning the stored text again. When the lists have changed since the
    /// alert, that is said, and the stored matches (which never change) remain the record of what fired.
    /// </summary>
    private string Why(Alert alert)
    {
        var stored = string.Join("; ", alert.Matches.Select(m =>
            string.Create(CultureInfo.InvariantCulture, $"'{m.Text}' matched rule {m.Rule} ({m.Category}, {m.Severity})")));
        if (alert.Rule == AlertFactory.ModelRule)
        {
            // Model-only: no list rule to re-run; the model's reason (scores and strongest phrases) is the why.
            var judged = models.For(alert.SchoolId)?.Judge(alert.Text, null).ModelOnly;
            return judged?.Explanation ?? "model-only (no keyword rule matched): " + stored;
        }

        var detector = detectors.Current;
        if (!SourceKindNames.TryParseSingle(alert.Source, out var source))
        {
            return stored;
        }

        var result = detector.Scan(alert.Text, source);
        var why = new StringBuilder(result.Explanation.Length > 0 ? result.Explanation : stored);
        if (detector.Version != alert.ListVersion)
        {
            why.Append(CultureInfo.InvariantCulture, $" (explained with the current lists {detector.Version}; the alert was raised by {alert.ListVersion}: {stored})");
        }

        return why.ToString();
    }
}
