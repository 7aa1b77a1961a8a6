using Microsoft.Extensions.Options;

namespace AlertPipeline.Queue;

/// <summary>The embedded durable queue (section <c>Queue</c>).</summary>
internal sealed class QueueOptions
{
    public const string Section = "Queue";

    /// <summary>Most events accepted but not yet processed. Past this, ingest answers 503 (back-pressure, not loss).</summary>
    public long Capacity { get; set; } = 1_000_000;

    /// <summary>How many events detection reads per batch.</summary>
    public int ReadBatchSize { get; set; } = 1_000;

    /// <summary>Days processed events are kept: the dedupe window for <c>eventId</c> and what replay can re-read.</summary>
    public int RetentionDays { get; set; } = 30;

    /// <summary>How often the queue looks for events written by another process when nothing signalled it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}

internal sealed class QueueOptionsValidator : IValidateOptions<QueueOptions>
{
    public ValidateOptionsResult Validate(string? name, QueueOptions options)
    {
        var failures = new List<string>();
        if (options.Capacity is < 1_000 or > 1_000_000_000)
        {
            failures.Add($"Queue:Capacity must be between 1000 and 1000000000 (was {options.Capacity}).");
        }

        if (options.ReadBatchSize is < 1 or > 50_000)
        {
            failures.Add($"Queue:ReadBatchSize must be between 1 and 50000 (was {options.ReadBatchSize}).");
        }

        if (options.RetentionDays is < 1 or > 3650)
        {
            failures.Add($"Queue:RetentionDays must be between 1 and 3650 (was {options.RetentionDays}).");
        }

        if (options.PollInterval <= TimeSpan.Zero || options.PollInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"Queue:PollInterval must be between 00:00:00.001 and 00:01:00 (was {options.PollInterval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
