namespace AlertPipeline.Simulator;

/// <summary>
/// Where the simulator delivers batches: the HTTP ingest API today (<see cref="IngestClient"/>), a Kafka
/// producer later. Implementations retry as they see fit and report every outcome in the result rather
/// than throwing, except for cancellation.
/// </summary>
internal interface IEventSink
{
    Task<BatchResult> SendAsync(EventBatch batch, CancellationToken cancellationToken);
}

internal enum BatchOutcome
{
    /// <summary>The server answered 2xx: every event is accepted, a duplicate, or listed in <see cref="BatchResult.Errors"/>.</summary>
    Delivered,

    /// <summary>The server answered 400: every event was rejected.</summary>
    Rejected,

    /// <summary>Not delivered: retries ran out or the server refused the request (401, 403, 413…).</summary>
    Failed,
}

/// <summary>One item the server rejected; <see cref="Index"/> is its position in the batch.</summary>
internal sealed record ItemError(int Index, string? EventId, string? Field, string Error);

internal sealed record BatchResult(
    BatchOutcome Outcome,
    int Events,
    int Accepted,
    int Duplicates,
    int Rejected,
    IReadOnlyList<ItemError> Errors,
    int Attempts,
    int? StatusCode,
    string? Failure,
    int ScreenshotsUploaded = 0,
    int ScreenshotFailures = 0);
