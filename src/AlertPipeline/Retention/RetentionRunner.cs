using AlertPipeline.Alerts;
using AlertPipeline.Storage;
using AlertPipeline.Audit;
using AlertPipeline.Ingest.Screenshots;
using AlertPipeline.Triage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Retention;

/// <summary>
/// Removes pupils' data that is no longer needed (docs/data-protection.md). A closed alert, once
/// <see cref="RetentionOptions.NoConcernDays"/> (false positive, no further action) or
/// <see cref="RetentionOptions.ConcernDays"/> (confirmed concern, referral, or an outcome it cannot read) have passed
/// since its last change, is <em>minimised</em>: the pupil's login, device, text, highlighted snippet, URL, window,
/// screenshot and grouping key (it holds the login) go, and so do staff notes in its history; what governors' summaries, the annual review and IT's
/// per-term counts need stays (school, time, source, categories, severity, rule and term, outcome, case reference).
/// Screenshots no alert refers to go after <see cref="RetentionOptions.UnreferencedScreenshotDays"/>. Open alerts are
/// never touched. Each run that removes something is recorded in the audit log. Idempotent: a minimised alert is not
/// touched again, so a run repeated or resumed after a crash only finishes what is due.
/// </summary>
internal sealed partial class RetentionRunner(
    IAlertStore store,
    ScreenshotStore screenshots,
    AuditLog audit,
    IOptions<RetentionOptions> options,
    ILogger<RetentionRunner> logger,
    OutboxRetention? outbox = null) : IDueWork
{
    /// <summary>What a minimised alert shows instead of the pupil's login and device.</summary>
    public const string Removed = "(removed)";

    /// <summary>The history action a minimised alert gets.</summary>
    public const string MinimisedAction = "minimised";

    public static Quartz.JobKey JobKey { get; } = new("retention", "data-protection");

    /// <summary>
    /// Minimises the closed alerts and deletes the screenshots due at <paramref name="now"/>; returns how many of each.
    /// With <paramref name="dryRun"/> it only counts them (<c>alertpipeline retention --dry-run</c>).
    /// </summary>
    public (int Alerts, int Screenshots) Run(DateTimeOffset now, bool dryRun = false)
    {
        var (alerts, deleted, _) = RunAll(now, dryRun);
        return (alerts, deleted);
    }

    /// <summary>As <see cref="Run"/>, and also the <c>.eml</c> files removed from the outbox (<see cref="RetentionOptions.OutboxDays"/>).</summary>
    public (int Alerts, int Screenshots, int Emails) RunAll(DateTimeOffset now, bool dryRun = false)
    {
        var retention = options.Value;
        var (alerts, freed, due) = MinimiseClosedAlerts(now, retention, dryRun);
        var deleted = DeleteScreenshots(now, retention, freed, due, dryRun);
        var emails = outbox?.Prune(now.AddDays(-retention.OutboxDays), dryRun, path => TryDelete(path)) ?? 0;
        if (!dryRun && alerts + deleted + emails > 0)
        {
            audit.Append("system", "system", AuditActions.Retention,
                detail: $"minimised {alerts} closed alert(s) (no concern: over {retention.NoConcernDays} days; concern: over {retention.ConcernDays} days), "
                    + $"deleted {deleted} screenshot(s), deleted {emails} outbox .eml file(s) (over {retention.OutboxDays} days)");
            LogRemoved(alerts, deleted, emails);
        }

        return (alerts, deleted, emails);
    }

    public int RunDue(DateTimeOffset now)
    {
        var (alerts, deleted, emails) = RunAll(now);
        return alerts + deleted + emails;
    }

    /// <summary>Minimises the closed alerts due (with <paramref name="dryRun"/>, only finds them); returns how many, their screenshots and their ids.</summary>
    private (int Count, HashSet<string> FreedScreenshots, HashSet<string> Due) MinimiseClosedAlerts(DateTimeOffset now, RetentionOptions retention, bool dryRun)
    {
        using var connection = store.Open();
        using var transaction = connection.BeginWrite();
        // An outcome it cannot read keeps the alert for the longer period.
        var due = connection.Command($"""
                SELECT a.alert_id, a.screenshot_ref
                FROM alerts a JOIN alert_history h ON h.alert_id = a.alert_id AND h.action = 'resolved'
                WHERE a.status = '{AlertStatus.Resolved}' AND a.minimised_at IS NULL
                  AND a.updated_at < CASE
                      WHEN {connection.JsonText("h.detail", "outcome")} IN ('{TriageOutcomes.FalsePositive}', '{TriageOutcomes.NoFurtherAction}') THEN @noConcern
                      ELSE @concern END
                """, transaction)
            .With("@noConcern", now.AddDays(-retention.NoConcernDays).ToUnixTimeMilliseconds())
            .With("@concern", now.AddDays(-retention.ConcernDays).ToUnixTimeMilliseconds())
            .Rows(r => (AlertId: r.GetString(0), Screenshot: r.NullableString(1)));

        var freed = new HashSet<string>(due.Where(d => d.Screenshot is not null).Select(d => d.Screenshot!), StringComparer.Ordinal);
        HashSet<string> ids = [.. due.Select(d => d.AlertId)];
        if (dryRun)
        {
            return (due.Count, freed, ids);
        }

        var sqlite = connection is SqliteConnection;
        // The matches keep their rule, term and category (what counts need) and lose the pupil's words around them;
        // a resolved entry keeps its outcome and case reference; staff notes go. The engines edit JSON differently.
        var matches = sqlite
            ? "COALESCE((SELECT json_group_array(json_set(m.value, '$.text', '', '$.start', 0, '$.length', 0)) FROM json_each(alerts.matches) m), '[]')"
            : "COALESCE((SELECT jsonb_agg(m.value || jsonb_build_object('text', '', 'start', 0, 'length', 0)) FROM jsonb_array_elements(alerts.matches::jsonb) AS m(value))::text, '[]')";
        var resolvedDetail = sqlite
            ? "json_object('outcome', json_extract(detail, '$.outcome'), 'reference', json_extract(detail, '$.reference'))"
            : "jsonb_build_object('outcome', detail::jsonb ->> 'outcome', 'reference', detail::jsonb ->> 'reference')::text";
        var text = $"(removed on {now.UtcDateTime:yyyy-MM-dd} under the retention policy)";
        foreach (var (alertId, _) in due)
        {
            connection.Command($"""
                    UPDATE alerts SET user_login = @removed, device_id = @removed, text = @text, normalized_text = '', snippet = '',
                        url = NULL, app = NULL, screenshot_ref = NULL, group_key = NULL, minimised_at = @now, matches = {matches}
                    WHERE alert_id = @id
                    """, transaction)
                .With("@id", alertId).With("@removed", Removed).With("@text", text).With("@now", now.ToUnixTimeMilliseconds()).Run();
            connection.Command($"""
                    UPDATE alert_history SET detail = CASE
                        WHEN action = 'resolved' AND {connection.IsJsonObject("detail")} THEN {resolvedDetail}
                        WHEN actor = 'system' THEN detail
                        ELSE NULL END
                    WHERE alert_id = @id
                    """, transaction)
                .With("@id", alertId).Run();
            AlertHistory.Add(connection, transaction, alertId, now, "system", MinimisedAction,
                "pupil data removed under the retention policy (Retention:NoConcernDays / ConcernDays)");
        }

        transaction.Commit();
        return (due.Count, freed, ids);
    }

    /// <summary>
    /// Deletes the screenshots of minimised alerts that no other alert still shows, and screenshots older than
    /// <see cref="RetentionOptions.UnreferencedScreenshotDays"/> that no alert refers to. <paramref name="minimised"/>
    /// (the alerts just minimised, or that a dry run would minimise) no longer count as showing theirs.
    /// </summary>
    private int DeleteScreenshots(DateTimeOffset now, RetentionOptions retention, HashSet<string> freed, HashSet<string> minimised, bool dryRun)
    {
        var referenced = ReferencedScreenshots(minimised);
        var deleted = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reference in freed)
        {
            if (referenced.Contains(reference))
            {
                continue;
            }

            // Every school's copy: the same image uploaded by two schools is stored once per school.
            foreach (var path in screenshots.FindAll(reference))
            {
                if (seen.Add(path) && (dryRun || TryDelete(path)))
                {
                    deleted++;
                }
            }
        }

        // On PostgreSQL the bytes are rows of the shared database (ADR 0024): the same rule, there.
        deleted += screenshots.DeleteRows(freed, referenced, now.AddDays(-retention.UnreferencedScreenshotDays), dryRun);

        var cutoff = now.AddDays(-retention.UnreferencedScreenshotDays).UtcDateTime;
        foreach (var (reference, path) in screenshots.Stored())
        {
            if ((reference is null || !referenced.Contains(reference)) && File.GetLastWriteTimeUtc(path) < cutoff && seen.Add(path) && (dryRun || TryDelete(path)))
            {
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>The screenshots alerts show, not counting <paramref name="minimised"/>.</summary>
    private HashSet<string> ReferencedScreenshots(HashSet<string> minimised)
    {
        using var connection = store.Open();
        return new HashSet<string>(
            connection.Command("SELECT alert_id, screenshot_ref FROM alerts WHERE screenshot_ref IS NOT NULL")
                .Rows(r => (AlertId: r.GetString(0), Reference: r.GetString(1)))
                .Where(r => !minimised.Contains(r.AlertId)).Select(r => r.Reference),
            StringComparer.Ordinal);
    }

    private bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException ex)
        {
            LogDeleteFailed(ex, path);
            return false;
        }
        catch (UnauthorizedAccessException ex)
        {
            LogDeleteFailed(ex, path);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: minimised {Alerts} closed alert(s), deleted {Screenshots} screenshot(s) and {Emails} outbox .eml file(s)")]
    private partial void LogRemoved(int alerts, int screenshots, int emails);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention: could not delete {Path}; the next run tries again")]
    private partial void LogDeleteFailed(Exception exception, string path);
}

/// <summary>
/// The <c>.eml</c> files of the outbox folder (<c>Notifications:OutboxDirectory</c>) past their retention. Only
/// finished messages at the folder's top level count; the sender's staging subfolder is left to the sender.
/// </summary>
internal sealed class OutboxRetention(IOptions<Storage.StorageOptions> storage, IOptions<Notifications.NotificationOptions> notifications)
{
    public string Folder => Path.Combine(storage.Value.FullDataDirectory, notifications.Value.OutboxDirectory);

    /// <summary>Deletes (or with <paramref name="dryRun"/> counts) the <c>.eml</c> files last written before <paramref name="cutoff"/>.</summary>
    public int Prune(DateTimeOffset cutoff, bool dryRun, Func<string, bool> delete)
    {
        if (!Directory.Exists(Folder))
        {
            return 0;
        }

        var count = 0;
        foreach (var file in Directory.EnumerateFiles(Folder, "*.eml", SearchOption.TopDirectoryOnly))
        {
            if (File.GetLastWriteTimeUtc(file) < cutoff.UtcDateTime && (dryRun || delete(file)))
            {
                count++;
            }
        }

        return count;
    }
}
