namespace AlertPipeline.Kernel;

/// <summary>
/// Who runs a scheduled job's firing when several respond processes share one store (ADR 0023): one winner per job
/// and due time across the cluster. Every responder's scheduler fires; each asks here first and only the winner works.
/// </summary>
internal interface IJobLeases
{
    /// <summary>
    /// Claims <paramref name="job"/>'s run due at <paramref name="due"/> for this process until <paramref name="until"/>.
    /// True for exactly one caller per (job, due) across the cluster, unless that caller's lease ran out before it
    /// called <see cref="Complete"/> (it died mid-run): then one later caller may take it over.
    /// </summary>
    bool TryClaim(string job, DateTimeOffset due, DateTimeOffset now, DateTimeOffset until);

    /// <summary>Records that the claimed run finished: nobody takes it over, however long ago the lease ran out.</summary>
    void Complete(string job, DateTimeOffset due);
}

/// <summary>
/// SQLite: one respond process per data directory (the data directory lock), so this process is the only claimant
/// and every firing runs, exactly as before leases existed.
/// </summary>
internal sealed class SingleResponderJobLeases : IJobLeases
{
    public bool TryClaim(string job, DateTimeOffset due, DateTimeOffset now, DateTimeOffset until) => true;

    public void Complete(string job, DateTimeOffset due)
    {
    }
}
