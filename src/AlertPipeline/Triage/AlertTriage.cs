using AlertPipeline.Alerts;

namespace AlertPipeline.Triage;

/// <summary>How a DSL closed an alert.</summary>
internal static class ResolveOutcomes
{
    public static readonly IReadOnlyList<string> All = ["concern-confirmed", "no-further-action", "false-positive", "referred"];
}

/// <summary>The result of a triage command: what happened, in words the CLI and console show as they are.</summary>
internal sealed record TriageResult(bool Changed, string Status, string Message);

/// <summary>A request the triage code refuses (unknown alert, bad outcome); the CLI prints it as one line.</summary>
internal sealed class TriageException(string message) : Exception(message);

/// <summary>
/// Acknowledging and resolving alerts: the state change and its history entry in one transaction, and pending
/// escalation notifications cancelled, so acknowledgement stops the chain. Used by the CLI and the console.
/// </summary>
internal sealed class AlertTriage(AlertStore store, TimeProvider clock)
{
    public TriageResult Acknowledge(string alertId, string by)
    {
        RequireActor(by);
        return Change(alertId, by, (status, _) => status switch
        {
            AlertStatus.New => (AlertStatus.Acknowledged, "acknowledged", null),
            AlertStatus.Acknowledged => (null, null, "already acknowledged"),
            _ => (null, null, $"already {status}"),
        });
    }

    public TriageResult Resolve(string alertId, string by, string outcome, string? reference, string? note)
    {
        RequireActor(by);
        if (!ResolveOutcomes.All.Contains(outcome, StringComparer.Ordinal))
        {
            throw new TriageException($"outcome must be one of {string.Join(", ", ResolveOutcomes.All)} (was '{outcome}')");
        }

        if (reference is { Length: > 100 } || note is { Length: > 4000 })
        {
            throw new TriageException("reference must be at most 100 characters and note at most 4000");
        }

        var detail = outcome + (string.IsNullOrWhiteSpace(reference) ? "" : $"; reference {reference.Trim()}") + (string.IsNullOrWhiteSpace(note) ? "" : $"; note: {note.Trim()}");
        return Change(alertId, by, (status, _) => status == AlertStatus.Resolved
            ? (null, null, "already resolved")
            : (AlertStatus.Resolved, "resolved", detail));
    }

    private TriageResult Change(string alertId, string by, Func<string, string?, (string? NewStatus, string? Action, string? DetailOrReason)> decide)
    {
        var now = clock.GetUtcNow();
        using var connection = store.Database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT status FROM alerts WHERE alert_id = $id";
        read.Parameters.AddWithValue("$id", alertId);
        if (read.ExecuteScalar() is not string status)
        {
            throw new TriageException($"no alert '{alertId}'");
        }

        var (newStatus, action, detail) = decide(status, null);
        if (newStatus is null)
        {
            return new TriageResult(false, status, $"{alertId} is {detail}; nothing changed");
        }

        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = """
            UPDATE alerts SET status = $status, updated_at = $now WHERE alert_id = $id;
            UPDATE notifications SET status = 'cancelled', last_error = 'alert ' || $status || ' by ' || $by
                WHERE alert_id = $id AND status = 'pending' AND kind LIKE 'escalation-%';
            """;
        update.Parameters.AddWithValue("$status", newStatus);
        update.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        update.Parameters.AddWithValue("$id", alertId);
        update.Parameters.AddWithValue("$by", by.Trim());
        update.ExecuteNonQuery();
        AlertHistory.Add(connection, transaction, alertId, now, by.Trim(), action!, detail);
        transaction.Commit();
        return new TriageResult(true, newStatus, $"{alertId} {action} by {by.Trim()}");
    }

    private static void RequireActor(string by)
    {
        if (string.IsNullOrWhiteSpace(by) || by.Length > 100)
        {
            throw new TriageException("--by must name who is acting (1 to 100 characters)");
        }
    }
}
