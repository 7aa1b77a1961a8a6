using System.Text.Json;
using AlertPipeline.Alerts;
using AlertPipeline.Storage;

namespace AlertPipeline.Triage;

internal static class TriageStatus
{
    public const string Escalated = "escalated";
}

/// <summary>How a DSL closed an alert (recorded for the safeguarding file and for per-term false-positive counts).</summary>
internal static class TriageOutcomes
{
    public const string ConcernConfirmed = "concern-confirmed";
    public const string NoFurtherAction = "no-further-action";
    public const string FalsePositive = "false-positive";
    public const string Referred = "referred";

    public static readonly IReadOnlyList<string> All = [ConcernConfirmed, NoFurtherAction, FalsePositive, Referred];
}

internal enum TriageResultKind
{
    Done,
    NotFound,
    Invalid,
    Conflict,
}

/// <summary>
/// What a triage verb did. <see cref="Status"/> is the alert's status afterwards (or as found, on a conflict);
/// <see cref="HistoryId"/> the <c>alert_history</c> row that holds what was written (the audit log points at it).
/// </summary>
internal sealed record TriageResult(TriageResultKind Kind, string? Error = null, string? Status = null, long? HistoryId = null)
{
    public static readonly TriageResult NotFound = new(TriageResultKind.NotFound, "no such alert");

    public static TriageResult Done(string status, long? historyId = null) => new(TriageResultKind.Done, Status: status, HistoryId: historyId);

    public static TriageResult Invalid(string error) => new(TriageResultKind.Invalid, error);

    public static TriageResult Conflict(string error, string status) => new(TriageResultKind.Conflict, error, status);
}

/// <summary>
/// The five things a DSL does to an alert, for the console and the CLI alike. Each changes <c>alerts.status</c>
/// and appends to <c>alert_history</c> in one transaction; once an alert is no longer new, pending escalation
/// notifications are cancelled in that same transaction, so acknowledgement (or any later step) stops the chain;
/// resolving also cancels the alert's own notifications still pending (held for school hours, or waiting for a
/// retry): a DSL who has closed the alert must not be told of it as new the next morning.
/// </summary>
internal interface IAlertTriage
{
    TriageResult Acknowledge(string alertId, string actor);

    TriageResult Assign(string alertId, string actor, string assignee);

    TriageResult AddNote(string alertId, string actor, string note);

    TriageResult Escalate(string alertId, string actor, string reason);

    TriageResult Resolve(string alertId, string actor, string outcome, string? externalReference, string? note);
}

/// <summary>Triage on the alert store, whichever engine holds it (a SQLite file, or the trust's PostgreSQL shared by every responder).</summary>
internal sealed class StoreAlertTriage(IAlertStore store, TimeProvider clock) : IAlertTriage
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public TriageResult Acknowledge(string alertId, string actor) =>
        Change(alertId, actor, "acknowledged", null, status => status switch
        {
            AlertStatus.New => (AlertStatus.Acknowledged, null),
            AlertStatus.Resolved => (null, "the alert is already resolved"),
            _ => (null, $"the alert is already {status}"),
        });

    public TriageResult Assign(string alertId, string actor, string assignee) =>
        Change(alertId, actor, "assigned", new { assignee }, status => status == AlertStatus.Resolved
            ? (null, "the alert is already resolved")
            : (status == AlertStatus.New ? AlertStatus.Acknowledged : status, null));

    public TriageResult AddNote(string alertId, string actor, string note) =>
        string.IsNullOrWhiteSpace(note) ? TriageResult.Invalid("a note must not be empty")
        : Change(alertId, actor, "note", new { note = note.Trim() }, status => (status, null));

    public TriageResult Escalate(string alertId, string actor, string reason) =>
        string.IsNullOrWhiteSpace(reason) ? TriageResult.Invalid("say why the alert is escalated")
        : Change(alertId, actor, "escalated", new { reason = reason.Trim() }, status => status == AlertStatus.Resolved
            ? (null, "the alert is already resolved")
            : (TriageStatus.Escalated, null));

    public TriageResult Resolve(string alertId, string actor, string outcome, string? externalReference, string? note)
    {
        if (!TriageOutcomes.All.Contains(outcome, StringComparer.Ordinal))
        {
            return TriageResult.Invalid($"outcome must be one of {string.Join(", ", TriageOutcomes.All)} (was '{outcome}')");
        }

        var reference = string.IsNullOrWhiteSpace(externalReference) ? null : externalReference.Trim();
        if (outcome == TriageOutcomes.Referred && reference is null)
        {
            return TriageResult.Invalid("a referral needs the external case reference (the CPOMS or MyConcern id)");
        }

        return Change(alertId, actor, "resolved", new { outcome, reference, note = string.IsNullOrWhiteSpace(note) ? null : note.Trim() },
            status => status == AlertStatus.Resolved ? (null, "the alert is already resolved") : (AlertStatus.Resolved, null));
    }

    /// <summary>Reads the status, decides the next one and writes status and history in one transaction.</summary>
    private TriageResult Change(string alertId, string actor, string action, object? detail, Func<string, (string? Next, string? Error)> decide)
    {
        using var connection = store.Open();
        // Two DSLs acknowledging at once (in one process or two) are serialised, and the second sees the first's status.
        using var transaction = connection.BeginWrite();
        var status = connection.Command("SELECT status FROM alerts WHERE alert_id = @id" + connection.ForUpdate(), transaction)
            .With("@id", alertId).Rows(r => r.GetString(0)).SingleOrDefault();
        if (status is null)
        {
            return TriageResult.NotFound;
        }

        var (next, error) = decide(status);
        if (next is null)
        {
            return TriageResult.Conflict(error!, status);
        }

        var now = clock.GetUtcNow();
        connection.Command("UPDATE alerts SET status = @status, updated_at = @now WHERE alert_id = @id", transaction)
            .With("@status", next).With("@now", now.ToUnixTimeMilliseconds()).With("@id", alertId).Run();
        if (next != AlertStatus.New)
        {
            connection.Command(
                    "UPDATE notifications SET status = 'cancelled', last_error = 'alert ' || @status || ' by ' || @actor " +
                    "WHERE alert_id = @id AND status = 'pending' AND (kind LIKE 'escalation-%' OR (@status = 'resolved' AND kind = 'alert'))", transaction)
                .With("@status", next).With("@actor", actor).With("@id", alertId).Run();
        }

        var historyId = AlertHistory.Add(connection, transaction, alertId, now, actor, action, detail is null ? null : JsonSerializer.Serialize(detail, Json));
        transaction.Commit();
        return TriageResult.Done(next, historyId);
    }
}

internal static class TriageServices
{
    /// <summary>Triage through the alert store, unless a test or host has registered another first.</summary>
    public static IServiceCollection AddTriage(this IServiceCollection services)
    {
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton<IAlertTriage, StoreAlertTriage>(services);
        return services;
    }
}
